"""The SQL store on a real SQLite file: incremental sync, pruning, the embedding cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kotae.kb import Chunk, Document, KBStore, Kind, Visibility


def _doc(key: str, body: str, source: str = "manuals.md") -> Document:
    return Document.create(source=source, key=key, kind=Kind.MANUAL, title=f"記事{key}",
                           body=body, visibility=Visibility.PUBLIC)


def _item(doc: Document) -> tuple[Document, list[Chunk]]:
    sentences = [s + "。" for s in doc.body.split("。") if s]
    return doc, [Chunk.create(doc.id, i, s, heading=doc.title) for i, s in enumerate(sentences)]


def _chunk_texts(store: KBStore, doc_id: str) -> list[str]:
    return [c.text for c, d in store.iter_chunks_with_documents() if d.id == doc_id]


@pytest.fixture
def store(tmp_path: Path) -> KBStore:
    return KBStore.for_dir(tmp_path / "kb")


def test_for_dir_creates_a_sqlite_file(tmp_path: Path) -> None:
    store = KBStore.for_dir(tmp_path / "new" / "kb")
    assert (tmp_path / "new" / "kb" / "kotae.db").is_file()
    assert store.count() == {"documents": 0, "chunks": 0}


def test_store_rejects_a_non_url() -> None:
    with pytest.raises(ValueError, match="not a URL"):
        KBStore("var/kb/kotae.db")


def test_sync_source_counts_added_unchanged_updated_removed(store: KBStore) -> None:
    a, b, c = _doc("a", "一。二。"), _doc("b", "三。"), _doc("c", "四。五。六。")
    with store.session() as s:
        counts = store.sync_source(s, "manuals.md", [_item(a), _item(b), _item(c)])
    assert (counts.added, counts.updated, counts.unchanged, counts.removed) == (3, 0, 0, 0)
    assert store.count() == {"documents": 3, "chunks": 6}

    a2 = _doc("a", "一。二。三。")  # edited
    with store.session() as s:
        counts = store.sync_source(s, "manuals.md", [_item(a2), _item(b)])  # c is gone
    assert (counts.added, counts.updated, counts.unchanged, counts.removed) == (0, 1, 1, 1)
    assert counts.removed_ids == [c.id]
    assert counts.changed
    assert store.get_document(c.id) is None
    assert store.count() == {"documents": 2, "chunks": 4}


def test_sync_source_with_same_content_changes_nothing(store: KBStore) -> None:
    a = _doc("a", "一。二。")
    with store.session() as s:
        store.sync_source(s, "manuals.md", [_item(a)])
    with store.session() as s:
        counts = store.sync_source(s, "manuals.md", [_item(a)])
    assert (counts.added, counts.updated, counts.unchanged, counts.removed) == (0, 0, 1, 0)
    assert not counts.changed


def test_item_without_chunks_is_kept_as_it_is(store: KBStore) -> None:
    a = _doc("a", "一。二。")
    with store.session() as s:
        store.sync_source(s, "manuals.md", [_item(a)])
    with store.session() as s:
        counts = store.sync_source(s, "manuals.md", [(a, None)])
    assert counts.unchanged == 1
    assert _chunk_texts(store, a.id) == ["一。", "二。"]


def test_update_replaces_the_documents_chunks(store: KBStore) -> None:
    old = _doc("a", "古い一文目。古い二文目。古い三文目。")
    with store.session() as s:
        store.sync_source(s, "manuals.md", [_item(old)])
    new = _doc("a", "新しい本文。")
    with store.session() as s:
        store.sync_source(s, "manuals.md", [_item(new)])
    assert _chunk_texts(store, new.id) == ["新しい本文。"]
    stored = store.get_document(new.id)
    assert stored is not None and stored.body == "新しい本文。"
    assert store.count() == {"documents": 1, "chunks": 1}


def test_stored_document_round_trips(store: KBStore) -> None:
    doc = Document.create(source="faq.csv", key="Q1", kind=Kind.FAQ, title="質問",
                          body="回答。", question="質問", answer="回答。", language="ja",
                          visibility=Visibility.INTERNAL, product="mirai-invoice",
                          url="https://example.com/q1", category="account",
                          updated_at="2026-01-01", meta={"faq_id": "Q1"})
    with store.session() as s:
        store.sync_source(s, "faq.csv", [_item(doc)])
    assert store.get_document(doc.id) == doc


def test_get_documents_reads_many_in_one_call(store: KBStore) -> None:
    a, b = _doc("a", "一。"), _doc("b", "二。")
    with store.session() as s:
        store.sync_source(s, "manuals.md", [_item(a), _item(b)])
    found = store.get_documents([b.id, "missing", a.id, b.id])
    assert found == {a.id: store.get_document(a.id), b.id: store.get_document(b.id)}
    assert store.get_documents([]) == {}


def test_remove_missing_false_keeps_documents(store: KBStore) -> None:
    a, b = _doc("a", "一。"), _doc("b", "二。")
    with store.session() as s:
        store.sync_source(s, "manuals.md", [_item(a), _item(b)])
    with store.session() as s:
        counts = store.sync_source(s, "manuals.md", [_item(a)], remove_missing=False)
    assert counts.removed == 0
    assert store.get_document(b.id) is not None


def test_sync_of_one_source_leaves_other_sources_alone(store: KBStore) -> None:
    a, other = _doc("a", "一。"), _doc("x", "別。", source="other.md")
    with store.session() as s:
        store.sync_source(s, "manuals.md", [_item(a)])
        store.sync_source(s, "other.md", [_item(other)])
    with store.session() as s:
        counts = store.sync_source(s, "manuals.md", [])
    assert counts.removed_ids == [a.id]
    assert store.get_document(other.id) is not None


def test_failed_session_rolls_back(store: KBStore) -> None:
    a = _doc("a", "一。")
    with pytest.raises(RuntimeError), store.session() as s:
        store.sync_source(s, "manuals.md", [_item(a)])
        raise RuntimeError("boom")
    assert store.count() == {"documents": 0, "chunks": 0}


def test_prune_sources_deletes_rejected_sources(store: KBStore) -> None:
    kept, gone = _doc("a", "一。", source="kept.md"), _doc("b", "二。三。", source="gone.md")
    with store.session() as s:
        store.sync_source(s, "kept.md", [_item(kept)])
        store.sync_source(s, "gone.md", [_item(gone)])
    with store.session() as s:
        counts = store.prune_sources(s, keep=lambda src: src != "gone.md")
    assert counts.removed == 1 and counts.removed_ids == [gone.id]
    assert store.sources() == ["kept.md"]
    assert store.count() == {"documents": 1, "chunks": 1}


def test_embedding_cache_round_trip(store: KBStore) -> None:
    rng = np.random.default_rng(0)
    vectors = {"h1": rng.random(8, dtype=np.float32), "h2": rng.random(8, dtype=np.float32)}
    store.put_embeddings("emb-a", vectors)
    found = store.get_embeddings("emb-a", ["h1", "h2", "missing", "h1"])
    assert set(found) == {"h1", "h2"}
    for key, vec in vectors.items():
        np.testing.assert_array_equal(found[key], vec)
        assert found[key].dtype == np.float32
    assert store.get_embeddings("emb-b", ["h1"]) == {}  # keyed by embedder too


def test_embedding_cache_put_overwrites(store: KBStore) -> None:
    store.put_embeddings("emb", {"h": np.zeros(4, dtype=np.float32)})
    store.put_embeddings("emb", {"h": np.ones(4, dtype=np.float32)})
    np.testing.assert_array_equal(store.get_embeddings("emb", ["h"])["h"], np.ones(4))


def test_store_persists_across_instances(tmp_path: Path) -> None:
    a = _doc("a", "一。二。")
    first = KBStore.for_dir(tmp_path)
    with first.session() as s:
        first.sync_source(s, "manuals.md", [_item(a)])
    first.engine.dispose()
    second = KBStore.for_dir(tmp_path)
    assert second.get_document(a.id) == a
    assert second.count() == {"documents": 1, "chunks": 2}
