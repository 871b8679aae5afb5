"""The store contract, run against every backend: a SQLite file and a real PostgreSQL server.

PostgreSQL comes from ``KOTAE_TEST_PG_URL`` (``.ci/run`` starts a throwaway server on loopback
and sets it). Without it these cases are skipped locally and FAIL in CI (``CI=true``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from kotae.kb import Chunk, Document, KBStore, Kind, Visibility


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KBStore]:
    if request.param == "sqlite":
        yield KBStore.for_dir(tmp_path / "kb")
        return
    pg = KBStore(request.getfixturevalue("pg_url"))
    yield pg
    pg.engine.dispose()


def _doc(key: str, body: str, source: str = "m.md", **extra: object) -> Document:
    return Document.create(source=source, key=key, kind=Kind.MANUAL, title=f"記事{key}",
                           body=body, visibility=Visibility.PUBLIC, **extra)


def _item(doc: Document) -> tuple[Document, list[Chunk]]:
    parts = [p + "。" for p in doc.body.split("。") if p]
    return doc, [Chunk.create(doc.id, i, p, heading=doc.title) for i, p in enumerate(parts)]


def test_add_update_unchanged_remove(store: KBStore) -> None:
    a, b, c = _doc("a", "一。二。"), _doc("b", "三。"), _doc("c", "四。")
    with store.session() as s:
        counts = store.sync_source(s, "m.md", [_item(a), _item(b), _item(c)])
    assert (counts.added, counts.updated, counts.removed) == (3, 0, 0)
    with store.session() as s:
        counts = store.sync_source(s, "m.md", [_item(_doc("a", "一。改。")), (b, None)])
    assert (counts.added, counts.updated, counts.unchanged, counts.removed) == (0, 1, 1, 1)
    assert counts.removed_ids == [c.id]
    assert store.count() == {"documents": 2, "chunks": 3}


def test_documents_round_trip_with_unicode_long_fields_and_meta(store: KBStore) -> None:
    doc = Document.create(
        source="faq.csv", key="Q1", kind=Kind.FAQ, title="請求書🧾", body="回答。",
        question="請求書🧾", answer="回答。", language="zh-hant", visibility=Visibility.INTERNAL,
        product="製品" * 200, url="https://example.com/" + "x" * 3000, category="分類" * 100,
        updated_at="2026-01-01T00:00:00+09:00 (JST, 最終更新者のメモ付き)" * 3,
        meta={"faq_id": "Q1", "tags": ["請求", "再発行"], "pages": 3, "nested": {"a": None}},
    )
    with store.session() as s:
        store.sync_source(s, "faq.csv", [_item(doc)])
    assert store.get_document(doc.id) == doc


def test_chunks_come_back_in_a_stable_order(store: KBStore) -> None:
    docs = [_doc(f"k{i}", "。".join(f"文{j}" for j in range(5)) + "。") for i in range(20)]
    with store.session() as s:
        store.sync_source(s, "m.md", [_item(d) for d in docs])
    pairs = list(store.iter_chunks_with_documents())
    keys = [(c.doc_id, c.ordinal) for c, _ in pairs]
    assert keys == sorted(keys) and len(keys) == 100
    assert all(c.doc_id == d.id for c, d in pairs)


def test_failed_transaction_leaves_nothing(store: KBStore) -> None:
    with pytest.raises(RuntimeError), store.session() as s:
        store.sync_source(s, "m.md", [_item(_doc("a", "一。"))])
        raise RuntimeError("killed mid-way")
    assert store.count() == {"documents": 0, "chunks": 0}


def test_prune_and_delete_many_documents_in_batches(store: KBStore) -> None:
    many = [_doc(f"n{i}", "本文。", source="big.csv") for i in range(1200)]
    with store.session() as s:
        store.sync_source(s, "big.csv", [_item(d) for d in many])
        store.sync_source(s, "kept.md", [_item(_doc("k", "残る。", source="kept.md"))])
        store.set_source_fingerprint(s, "big.csv", "f" * 64)
    with store.session() as s:
        counts = store.prune_sources(s, keep=lambda src: src != "big.csv")
    assert counts.removed == 1200
    assert store.count() == {"documents": 1, "chunks": 1}
    with store.session() as s:
        assert store.source_fingerprint(s, "big.csv") is None


def test_source_fingerprints(store: KBStore) -> None:
    with store.session() as s:
        assert store.source_fingerprint(s, "a.pdf") is None
        store.set_source_fingerprint(s, "a.pdf", "1" * 64)
    with store.session() as s:
        assert store.source_fingerprint(s, "a.pdf") == "1" * 64
        store.set_source_fingerprint(s, "a.pdf", "2" * 64)
    with store.session() as s:
        assert store.source_fingerprint(s, "a.pdf") == "2" * 64
        store.set_source_fingerprint(s, "a.pdf", None)
    with store.session() as s:
        assert store.source_fingerprint(s, "a.pdf") is None


def test_embedding_cache_upserts_in_batches(store: KBStore) -> None:
    rng = np.random.default_rng(0)
    vectors = {f"h{i}": rng.random(384, dtype=np.float32) for i in range(1100)}
    store.put_embeddings("emb", vectors)
    store.put_embeddings("emb", {"h0": np.ones(384, dtype=np.float32)})  # overwrite
    found = store.get_embeddings("emb", [*vectors, "missing"])
    assert len(found) == 1100
    np.testing.assert_array_equal(found["h0"], np.ones(384, dtype=np.float32))
    np.testing.assert_array_equal(found["h999"], vectors["h999"])
    assert store.get_embeddings("other", ["h1"]) == {}


def test_sources_lists_distinct_sources(store: KBStore) -> None:
    with store.session() as s:
        store.sync_source(s, "a.md", [_item(_doc("a", "一。", source="a.md"))])
        store.sync_source(s, "b.md", [_item(_doc("b", "二。", source="b.md"))])
    assert sorted(store.sources()) == ["a.md", "b.md"]
