"""The large KB `kotae eval latency --chunks` makes from a small one: real files, no embedding."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from kotae.eval.errors import DatasetError
from kotae.eval.synthetic_kb import MARKER, make_synthetic_kb
from kotae.kb import Audience, KBStore, SnapshotDir, customer_may_read
from kotae.knowledge_base import open_kb
from kotae.retrieval import Manifest

pytestmark = pytest.mark.slow  # builds the session's sample KB when no other test did


def test_a_copy_of_the_sample_kb_at_a_larger_size(sample_settings, tmp_path: Path) -> None:
    source = sample_settings.home
    target = tmp_path / "big"
    stages: list[str] = []
    made = make_synthetic_kb(source, target, 2500, settings=sample_settings,
                             on_progress=lambda stage, done, total: stages.append(stage))
    assert made == target and "copying documents" in stages
    manifest = Manifest.read(SnapshotDir(target).require_current())
    assert manifest.chunks == 2500  # exactly; the build embedded nothing (else it raises)

    originals = {d.id: d for _, d in KBStore.for_dir(source).iter_chunks_with_documents()}
    copies = list({d.id: d for _, d in KBStore.for_dir(target).iter_chunks_with_documents()
                   }.values())
    assert len(copies) > len(originals)  # the sample KB has 942 chunks: rounds 1 to 3
    titles = Counter(d.title for d in copies)
    assert max(titles.values()) == 1  # every copy's title is its own
    # A copy keeps its source's body, kind and visibility: public search stays public.
    by_title = {d.title: d for d in originals.values()}
    for copy in copies[:50]:
        base = by_title[copy.title.rsplit("（", 1)[0]]
        assert (copy.body, copy.kind, copy.visibility) == (base.body, base.kind, base.visibility)
    public = open_kb(sample_settings.model_copy(update={"home": target}))
    for hit in public.search("請求書の宛名を変更したい", audience=Audience.PUBLIC, k=10).hits:
        assert customer_may_read(by_title[hit.title.rsplit("（", 1)[0]])

    # Asked again for the same: reused as it is; another size is refused, not overwritten.
    version = SnapshotDir(target).version()
    assert make_synthetic_kb(source, target, 2500, settings=sample_settings) == target
    assert SnapshotDir(target).version() == version
    assert json.loads((target / MARKER).read_text(encoding="utf-8"))["chunks"] == 2500
    with pytest.raises(DatasetError, match="remove it first"):
        make_synthetic_kb(source, target, 3000, settings=sample_settings)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(DatasetError, match="not made by this command"):
        make_synthetic_kb(source, foreign, 100, settings=sample_settings)
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "mine"
    unfinished = tmp_path / "unfinished"  # as an interrupted run leaves it
    unfinished.mkdir()
    (unfinished / MARKER).write_text(json.dumps({"unfinished": True}), encoding="utf-8")
    with pytest.raises(DatasetError, match="not finished"):
        make_synthetic_kb(source, unfinished, 100, settings=sample_settings)
