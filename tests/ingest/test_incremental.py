"""Re-runs are cheap and safe: unchanged files are not re-read, dry runs change nothing, bad
files go to the quarantine with the reason and the batch goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from kotae.ingest import ingest_paths
from kotae.ingest.loaders import LOADERS, Defaults, LoadResult
from kotae.ingest.loaders import common as loader_common
from kotae.ingest.quarantine import Quarantine
from kotae.kb import KBStore

FAQ = ("question,answer\nパスワードを忘れた,再設定できます。\n"
       "請求書の作り方,新規作成から作ります。\n")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    root.mkdir()
    (root / "faq.csv").write_text(FAQ, encoding="utf-8")
    (root / "reset.md").write_text("# 再設定\n\nログイン画面から再設定します。\n", encoding="utf-8")
    return root


@pytest.fixture
def store(tmp_path: Path) -> KBStore:
    return KBStore.for_dir(tmp_path / "kb")


def test_unchanged_files_are_not_parsed_again(folder: Path, store: KBStore,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    ingest_paths(store, [folder])
    parsed: list[str] = []
    real = LOADERS[".csv"]

    def counting(path: Path, defaults: Defaults) -> LoadResult:
        parsed.append(path.name)
        return real(path, defaults)

    monkeypatch.setitem(LOADERS, ".csv", counting)
    report = ingest_paths(store, [folder])
    assert parsed == [] and report.files == 2
    assert (report.counts.added, report.counts.updated, report.counts.unchanged) == (0, 0, 3)
    (folder / "faq.csv").write_text(FAQ.replace("再設定できます", "再設定してください"),
                                    encoding="utf-8")
    report = ingest_paths(store, [folder])
    assert parsed == ["faq.csv"]
    assert (report.counts.updated, report.counts.unchanged) == (1, 2)


def test_changed_defaults_reload_an_unchanged_file(folder: Path, store: KBStore) -> None:
    ingest_paths(store, [folder])
    report = ingest_paths(store, [folder], Defaults(product="mirai"))
    assert report.counts.updated == 3
    assert {d.product for _, d in store.iter_chunks_with_documents()} == {"mirai"}


def test_new_chunking_rules_chunk_stored_documents_again(folder: Path, store: KBStore,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A KB ingested before the chunking rules changed gets chunks by the new rules at its next
    ingest of the same, unchanged files (every document counted as updated)."""
    ingest_paths(store, [folder])
    before = {c.id for c, _ in store.iter_chunks_with_documents()}
    monkeypatch.setattr("kotae.kb.types.CHUNKING_VERSION", "next")
    monkeypatch.setattr("kotae.ingest.pipeline.CHUNKING_VERSION", "next")
    report = ingest_paths(store, [folder])
    assert (report.counts.added, report.counts.updated, report.counts.unchanged) == (0, 3, 0)
    assert {c.id for c, _ in store.iter_chunks_with_documents()} == before
    assert ingest_paths(store, [folder]).counts.unchanged == 3


def test_dry_run_counts_and_changes_nothing(folder: Path, store: KBStore) -> None:
    ingest_paths(store, [folder])
    before = list(store.iter_chunks_with_documents())
    (folder / "faq.csv").write_text(FAQ + "返金できますか,できません。\n", encoding="utf-8")
    (folder / "reset.md").unlink()
    (folder / "new.md").write_text("# 新記事\n\n本文です。\n", encoding="utf-8")
    report = ingest_paths(store, [folder], prune=True, dry_run=True)
    assert (report.counts.added, report.counts.updated, report.counts.removed) == (2, 0, 1)
    expected = ["返金できますか\nできません。", "新記事\n本文です。"]
    assert sorted(report.new_texts) == sorted(expected)
    assert list(store.iter_chunks_with_documents()) == before
    real = ingest_paths(store, [folder], prune=True)
    assert (real.counts.added, real.counts.removed) == (2, 1)


def test_garbled_file_is_reported_per_file_not_indexed(folder: Path, store: KBStore) -> None:
    text = "# 請求書の設定\n\nパスワードはログイン画面から再設定できます。\n"
    (folder / "mojibake.md").write_text(text.encode("utf-8").decode("cp932", errors="ignore"),
                                        encoding="utf-8")
    (folder / "empty.html").write_text("<html><body><img src=x></body></html>", encoding="utf-8")
    report = ingest_paths(store, [folder])
    named = {Path(p.path).name: p.message for p in report.problems}
    assert set(named) == {"mojibake.md", "empty.html"}
    assert "garbled" in named["mojibake.md"]
    assert report.counts.added == 3


def test_garbled_faq_row_is_a_problem_of_that_entry(folder: Path, store: KBStore) -> None:
    (folder / "faq.csv").write_text(FAQ + "ok?,(cid:12)(cid:13)(cid:14)(cid:15)(cid:16)\n",
                                    encoding="utf-8")
    report = ingest_paths(store, [folder])
    assert report.counts.added == 3 and len(report.problems) == 1
    assert "entry 'ok?'" in report.problems[0].message


def test_too_large_file_is_refused_with_the_limit(folder: Path, store: KBStore,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader_common, "MAX_FILE_BYTES", 64)
    report = ingest_paths(store, [folder])
    assert all("the limit is 64" in p.message for p in report.problems)
    assert {Path(p.path).name for p in report.problems} == {"faq.csv"}


def test_quarantine_keeps_failures_until_the_file_is_fixed(tmp_path: Path) -> None:
    from kotae.ingest.errors import Problem

    a, b, c = (tmp_path / name for name in ("a.pdf", "b.csv", "c.md"))
    for path in (a, b, c):
        path.write_text("x", encoding="utf-8")
    quarantine = Quarantine(tmp_path)
    quarantine.update([Problem(str(a), "no extractable text"), Problem(str(b), "bad row", 3)],
                      loaded=[str(c)])
    assert [(e.path, e.line) for e in quarantine.entries()] == [(str(a), None), (str(b), 3)]
    since = quarantine.entries()[0].since
    quarantine.update([Problem(str(a), "no extractable text")], loaded=[str(b)])
    assert [(e.path, e.since) for e in quarantine.entries()] == [(str(a), since)]
    quarantine.update([], loaded=[])  # a run over other files keeps the entry
    assert len(quarantine.entries()) == 1
    a.unlink()  # a deleted file leaves the quarantine
    quarantine.update([], loaded=[])
    assert quarantine.entries() == []
