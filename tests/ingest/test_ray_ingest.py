"""Embedding on a real local Ray cluster (started here, on loopback) gives the same KB as the
local path: same chunks, bit-identical vectors, same published index."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from kotae.app.settings import Settings
from kotae.kb import KBStore, SnapshotDir, stable_hash
from kotae.knowledge_base import open_kb

pytestmark = pytest.mark.slow
SAMPLE = Path(__file__).resolve().parents[2] / "kb" / "sample_kb" / "manuals"


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             _node_ip_address="127.0.0.1")
    yield
    ray.shutdown()


def _vectors(kb: Path, embedder_id: str) -> dict[str, np.ndarray]:
    store = KBStore.for_dir(kb)
    texts = [c.indexed_text for c, _ in store.iter_chunks_with_documents()]
    return store.get_embeddings(embedder_id, [stable_hash(t, length=32) for t in texts])


def test_ray_embedder_matches_the_local_embedder(ray_cluster: None, embedder) -> None:
    from kotae.models.ray_embedder import RayEmbedder

    texts = [f"請求書{i}の送付方法を教えてください。" for i in range(70)] + ["Reset my password"]
    remote = RayEmbedder("e5-small", workers=2, batch_size=16)
    assert remote.id == embedder.id and remote.dim == embedder.dim
    seen: list[int] = []
    vectors = remote.embed_passages(texts, on_progress=seen.append)
    np.testing.assert_array_equal(vectors, embedder.embed_passages(texts))
    assert sum(seen) == len(texts)
    assert remote.embed_passages([]).shape == (0, embedder.dim)


def test_ingest_on_ray_equals_local_ingest(ray_cluster: None, tmp_path: Path, embedder) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("password-reset.md", "two-factor-auth.md", "webhooks.md"):
        (src / name).write_bytes((SAMPLE / name).read_bytes())
    local, remote = Settings(home=tmp_path / "local"), Settings(home=tmp_path / "ray")
    here = open_kb(local, embedder=embedder).ingest([src])
    outcome = open_kb(remote, embedder=embedder).ingest([src], ray_address="local")
    assert here.build is not None and outcome.build is not None
    # every chunk and sentence, embedded on the cluster as here
    assert outcome.build.embedded == here.build.embedded > outcome.build.manifest.chunks
    a, b = _vectors(local.home, embedder.id), _vectors(remote.home, embedder.id)
    assert a.keys() == b.keys() and len(a) > 5
    assert all(np.array_equal(a[k], b[k]) for k in a)
    snap_a, snap_b = (SnapshotDir(s.home).require_current() for s in (local, remote))
    rows = [(f / "rows.jsonl").read_text(encoding="utf-8") for f in (snap_a, snap_b)]
    assert rows[0] == rows[1]
    manifests = [json.loads((f / "manifest.json").read_text()) for f in (snap_a, snap_b)]
    assert manifests[0]["fingerprint"] == manifests[1]["fingerprint"]
    assert (snap_a / "dense.faiss").read_bytes() == (snap_b / "dense.faiss").read_bytes()


def test_bad_settings_are_refused() -> None:
    from kotae.models.ray_embedder import RayEmbedder

    with pytest.raises(ValueError, match="workers"):
        RayEmbedder("e5-small", workers=0)
    with pytest.raises(ValueError, match="not 'other'"):
        RayEmbedder("e5-small", expected_id="other")


def test_loading_and_chunking_on_ray_equal_the_local_pipeline(ray_cluster: None,
                                                              tmp_path: Path) -> None:
    from kotae.ingest import ingest_paths
    from kotae.ingest.ray_prepare import RayPreparer

    src = tmp_path / "src"
    src.mkdir()
    for name in ("password-reset.md", "webhooks.md", "sso-saml.md"):
        (src / name).write_bytes((SAMPLE / name).read_bytes())
    (src / "faq.csv").write_text("question,answer\n返金,できません。\nx,\n", encoding="utf-8")
    (src / "broken.json").write_text("{", encoding="utf-8")
    local, remote = KBStore.for_dir(tmp_path / "a"), KBStore.for_dir(tmp_path / "b")
    expected = ingest_paths(local, [src])
    got = ingest_paths(remote, [src], preparer=RayPreparer(window=2))
    assert (got.files, got.counts.added, got.problems) == (
        expected.files, expected.counts.added, expected.problems)
    assert len(got.problems) == 2
    pairs = [[(c, d) for c, d in s.iter_chunks_with_documents()] for s in (local, remote)]
    assert pairs[0] == pairs[1] and len(pairs[0]) > 5
