"""The ingestion pipeline on a small real folder and a real SQLite store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kotae.ingest import chunk_document, discover, ingest_paths
from kotae.ingest.loaders import Defaults
from kotae.ingest.prepare import prepare_file
from kotae.kb import Document, KBStore, Kind, Visibility

RESET = (
    "---\ntitle: パスワードを再設定する\nvisibility: public\n---\n"
    "# パスワードを再設定する\n\nログイン画面から再設定できます。\n\n"
    "## 手順\n\n「パスワードをお忘れの方」をクリックします。メールのリンクを開きます。\n"
)
TWO_FACTOR = "# 二段階認証を設定する\n\n認証アプリでQRコードを読み取ります。\n"
FAQ = ("question,answer\n"
       "パスワードを忘れた,再設定できます。\n"
       "請求書の作り方,新規作成から作ります。\n")
TICKETS = json.dumps({"id": "T-1", "subject": "ログインできない",
                      "body": "パスワードを忘れました。", "reply": "再設定をご案内しました。"},
                     ensure_ascii=False) + "\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "source"
    (root / "manuals").mkdir(parents=True)
    (root / "manuals" / "password-reset.md").write_text(RESET, encoding="utf-8")
    (root / "manuals" / "two-factor-auth.md").write_text(TWO_FACTOR, encoding="utf-8")
    (root / "faq.csv").write_text(FAQ, encoding="utf-8")
    (root / "tickets.jsonl").write_text(TICKETS, encoding="utf-8")
    (root / "README.md").write_text("# このフォルダについて\n説明。\n", encoding="utf-8")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "draft.md").write_text("# 下書き\n未公開。\n", encoding="utf-8")
    (root / "image.png").write_bytes(b"\x89PNG\r\n")
    return root


@pytest.fixture
def store(tmp_path: Path) -> KBStore:
    return KBStore.for_dir(tmp_path / "kb")


def _chunks_by_title(store: KBStore) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for chunk, doc in store.iter_chunks_with_documents():
        out.setdefault(doc.title, []).append(chunk.text)
    return out


def test_discover_skips_readme_hidden_and_unknown_files(folder: Path) -> None:
    files, problems = discover([folder])
    assert problems == []
    assert sorted(f.name for f in files) == [
        "faq.csv", "password-reset.md", "tickets.jsonl", "two-factor-auth.md"]


def test_ingest_counts(folder: Path, store: KBStore) -> None:
    report = ingest_paths(store, [folder])
    assert report.problems == []
    assert report.files == 4
    assert report.counts.added == 5  # 2 manuals + 2 FAQ entries + 1 ticket
    assert (report.counts.updated, report.counts.unchanged, report.counts.removed) == (0, 0, 0)
    assert store.count()["documents"] == 5
    titles = _chunks_by_title(store)
    assert set(titles) == {"パスワードを再設定する", "二段階認証を設定する", "パスワードを忘れた",
                           "請求書の作り方", "ログインできない"}
    kinds = {d.title: (d.kind, d.visibility) for _, d in store.iter_chunks_with_documents()}
    assert kinds["ログインできない"] == (Kind.TICKET, Visibility.INTERNAL)
    assert kinds["パスワードを忘れた"] == (Kind.FAQ, Visibility.PUBLIC)


def test_second_run_of_the_same_folder_changes_nothing(folder: Path, store: KBStore) -> None:
    ingest_paths(store, [folder])
    before = [(c.id, d.id) for c, d in store.iter_chunks_with_documents()]
    report = ingest_paths(store, [folder])
    assert (report.counts.added, report.counts.updated, report.counts.removed) == (0, 0, 0)
    assert report.counts.unchanged == 5
    assert not report.counts.changed
    assert [(c.id, d.id) for c, d in store.iter_chunks_with_documents()] == before


def test_editing_one_file_updates_it_and_replaces_its_chunks(folder: Path,
                                                             store: KBStore) -> None:
    ingest_paths(store, [folder])
    path = folder / "manuals" / "two-factor-auth.md"
    path.write_text("# 二段階認証を設定する\n\nSMSで届いた6桁のコードを入力します。\n",
                    encoding="utf-8")
    report = ingest_paths(store, [folder])
    assert (report.counts.added, report.counts.updated, report.counts.unchanged) == (0, 1, 4)
    assert _chunks_by_title(store)["二段階認証を設定する"] == [
        "SMSで届いた6桁のコードを入力します。"]
    assert store.count()["documents"] == 5


def test_removed_faq_row_is_removed_from_the_store(folder: Path, store: KBStore) -> None:
    ingest_paths(store, [folder])
    (folder / "faq.csv").write_text("question,answer\nパスワードを忘れた,再設定できます。\n",
                                    encoding="utf-8")
    report = ingest_paths(store, [folder])
    assert report.counts.removed == 1
    assert "請求書の作り方" not in _chunks_by_title(store)


def test_bad_file_is_reported_and_the_rest_ingested(folder: Path, store: KBStore) -> None:
    (folder / "broken.csv").write_text("title,answer\nx,y\n", encoding="utf-8")
    (folder / "binary.md").write_bytes(b"\x81\x00" * 50)
    report = ingest_paths(store, [folder])
    assert report.counts.added == 5
    assert report.files == 4
    named = {Path(p.path).name: p.message for p in report.problems}
    assert set(named) == {"broken.csv", "binary.md"}
    assert "question" in named["broken.csv"]
    assert "binary" in named["binary.md"]


def test_previous_version_of_a_now_bad_file_is_kept(folder: Path, store: KBStore) -> None:
    ingest_paths(store, [folder])
    before = _chunks_by_title(store)
    (folder / "faq.csv").write_bytes(b"\x81\x00garbage" * 20)
    (folder / "manuals" / "password-reset.md").write_text("---\ntitle: [broken\n---\n本文\n",
                                                          encoding="utf-8")
    report = ingest_paths(store, [folder], prune=True)
    assert {Path(p.path).name for p in report.problems} == {"faq.csv", "password-reset.md"}
    assert report.counts.removed == 0
    assert _chunks_by_title(store) == before


def test_bad_line_does_not_remove_that_lines_previous_document(folder: Path,
                                                               store: KBStore) -> None:
    ingest_paths(store, [folder])
    (folder / "tickets.jsonl").write_text('{"id": "T-1", "subject": \n', encoding="utf-8")
    report = ingest_paths(store, [folder])
    [problem] = report.problems
    assert Path(problem.path).name == "tickets.jsonl" and problem.line == 1
    assert report.counts.removed == 0
    assert "ログインできない" in _chunks_by_title(store)


def test_prune_removes_documents_of_deleted_files(folder: Path, store: KBStore) -> None:
    ingest_paths(store, [folder])
    (folder / "manuals" / "two-factor-auth.md").unlink()
    (folder / "faq.csv").unlink()
    without_prune = ingest_paths(store, [folder])
    assert without_prune.counts.removed == 0
    assert store.count()["documents"] == 5
    report = ingest_paths(store, [folder], prune=True)
    assert report.counts.removed == 3
    titles = set(_chunks_by_title(store))
    assert titles == {"パスワードを再設定する", "ログインできない"}


def test_unsupported_extension_given_explicitly_is_a_problem(tmp_path: Path,
                                                            store: KBStore) -> None:
    exe = tmp_path / "setup.exe"
    exe.write_bytes(b"MZ\x90\x00")
    missing = tmp_path / "nowhere"
    report = ingest_paths(store, [exe, missing])
    assert [Path(p.path).name for p in report.problems] == ["setup.exe", "nowhere"]
    assert ".exe" in report.problems[0].message
    assert report.files == 0 and store.count()["documents"] == 0


def test_single_file_path_is_ingested(folder: Path, store: KBStore) -> None:
    report = ingest_paths(store, [folder / "faq.csv"])
    assert report.counts.added == 2 and report.problems == []


def _ids(store: KBStore) -> dict[str, str]:
    """Every document's id by (title, source's file name)."""
    return {f"{d.title}@{Path(d.source).name}": d.id for d in store.documents()}


def _chunk_ids(store: KBStore) -> set[str]:
    return {chunk.id for chunk, _ in store.iter_chunks_with_documents()}


def test_ids_are_the_same_wherever_the_folder_is(folder: Path, tmp_path: Path) -> None:
    """Two clones of one folder give the same document and chunk ids (their full paths differ),
    so links, learnt phrasings and anything fitted on them mean the same in both."""
    clone = tmp_path / "elsewhere" / "deeper" / "clone"
    shutil.copytree(folder, clone)
    here, there = KBStore.for_dir(tmp_path / "kb1"), KBStore.for_dir(tmp_path / "kb2")
    ingest_paths(here, [folder])
    ingest_paths(there, [clone])
    assert _ids(here) == _ids(there) and len(_ids(here)) == 5
    assert _chunk_ids(here) == _chunk_ids(there)
    assert {d.name for d in here.documents()} == {
        "manuals/password-reset.md", "manuals/two-factor-auth.md", "faq.csv", "tickets.jsonl"}


def test_a_moved_folder_keeps_its_documents_and_their_ids(folder: Path, tmp_path: Path,
                                                          store: KBStore) -> None:
    ingest_paths(store, [folder])
    before = _ids(store)
    moved = tmp_path / "moved" / "source"
    shutil.move(folder, moved)
    report = ingest_paths(store, [moved], prune=True)
    assert report.problems == [] and report.counts.removed == 0 and report.counts.added == 0
    assert sorted(Path(new).relative_to(moved).as_posix() for _, new in report.moved) == [
        "faq.csv", "manuals/password-reset.md", "manuals/two-factor-auth.md", "tickets.jsonl"]
    assert all(not Path(gone).exists() for gone, _ in report.moved)
    assert _ids(store) == before
    assert all(Path(d.source).is_relative_to(moved) for d in store.documents())
    assert ingest_paths(store, [moved], prune=True).counts.changed is False


def test_the_same_file_names_in_two_folders_get_ids_of_their_own(tmp_path: Path,
                                                                 store: KBStore) -> None:
    for lang in ("ja", "en"):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "faq.csv").write_text(FAQ, encoding="utf-8")
    report = ingest_paths(store, [tmp_path / "ja", tmp_path / "en"])
    assert report.problems == [] and report.counts.added == 4
    assert sorted({d.name for d in store.documents()}) == ["en/faq.csv", "faq.csv"]
    assert not ingest_paths(store, [tmp_path / "en", tmp_path / "ja"]).counts.changed
    # a third folder with the name free again (the first is gone) takes over its documents
    ids = {d.id for d in store.documents() if d.name == "faq.csv"}
    shutil.move(tmp_path / "ja", tmp_path / "ja2")
    ingest_paths(store, [tmp_path / "ja2"])
    assert {d.id for d in store.documents() if d.name == "faq.csv"} == ids


def test_a_file_ingested_alone_keeps_the_ids_its_folder_gave_it(folder: Path,
                                                                store: KBStore) -> None:
    ingest_paths(store, [folder])
    before = _ids(store)
    page = folder / "manuals" / "password-reset.md"
    page.write_text(RESET + "\n## 補足\n\nリンクは24時間有効です。\n", encoding="utf-8")
    report = ingest_paths(store, [page])
    assert report.counts.updated == 1 and report.counts.added == 0
    assert _ids(store) == before


def test_documents_stored_before_names_keep_their_ids(folder: Path, store: KBStore) -> None:
    """A KB made when ids came from the full path keeps them when the file changes."""
    faq = folder / "faq.csv"
    legacy = prepare_file(faq.resolve(), Defaults(), {})  # no name: ids from the full path
    with store.session() as s:
        store.sync_source(s, str(faq.resolve()), legacy.items)
    ids = {doc.id for doc, _ in legacy.items}
    assert {d.name for d in store.documents()} == {""}
    faq.write_text(FAQ + "二段階認証とは,ログイン時の確認です。\n", encoding="utf-8")
    report = ingest_paths(store, [folder])
    assert report.counts.added == 4 and report.counts.unchanged == 2  # 1 FAQ row + 3 others
    assert ids <= {d.id for d in store.documents()}
    assert {d.name for d in store.documents(source=str(faq.resolve()))} == {""}


def test_chunk_document_headings_by_kind() -> None:
    faq = Document.create(source="faq.csv", key="q", kind=Kind.FAQ, title="パスワードを忘れた",
                          body="再設定できます。", question="パスワードを忘れた",
                          answer="再設定できます。")
    ticket = Document.create(source="t.jsonl", key="T-1", kind=Kind.TICKET,
                             title="ログインできない", body="忘れました。", answer="ご案内します。")
    manual = Document.create(source="m.md", key="", kind=Kind.MANUAL, title="設定",
                             body="# 設定\n## 手順\n開きます。")
    [f] = chunk_document(faq)
    assert (f.heading, f.text, f.doc_id) == ("パスワードを忘れた", "再設定できます。", faq.id)
    assert [(c.heading, c.text) for c in chunk_document(ticket)] == [
        ("ログインできない", "忘れました。\nご案内します。")]
    assert [(c.heading, c.text) for c in chunk_document(manual)] == [("設定 > 手順", "開きます。")]
