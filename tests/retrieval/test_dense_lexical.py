"""The two indexes on small real data: FAISS (flat and HNSW) and BM25."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kotae.kb import SnapshotCorrupt
from kotae.retrieval import INDEX_TYPES, BM25Index, DenseIndex
from kotae.retrieval.dense import HNSW_FROM, resolve_index_type

N, DIM = 300, 32


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    v = np.random.default_rng(42).normal(size=(N, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _exact(vectors: np.ndarray, query: np.ndarray, k: int, allowed: np.ndarray) -> list[int]:
    scores = np.where(allowed, vectors @ query, -np.inf)
    return [int(i) for i in np.argsort(-scores, kind="stable")[:k] if allowed[i]]


@pytest.mark.parametrize("index_type", INDEX_TYPES)
def test_dense_search_returns_only_allowed_rows(vectors: np.ndarray, index_type: str) -> None:
    index = DenseIndex.build(vectors, index_type)
    assert len(index) == N
    allowed = np.zeros(N, dtype=bool)
    allowed[::3] = True
    for q in (1, 2, 50, 299):  # queries equal to disallowed rows: their own row is excluded
        rows, scores = index.search(vectors[q], k=10, allowed=allowed)
        assert len(rows) == 10
        assert allowed[rows].all()
        assert q not in rows.tolist()
        assert np.all(np.diff(scores) <= 1e-6)  # best first
        assert rows[0] == _exact(vectors, vectors[q], 1, allowed)[0]
        np.testing.assert_allclose(scores, vectors[rows] @ vectors[q], rtol=1e-5, atol=1e-5)


def test_flat_search_is_exact(vectors: np.ndarray) -> None:
    index = DenseIndex.build(vectors, "flat")
    allowed = np.random.default_rng(1).random(N) < 0.2
    query = vectors[7]
    rows, _ = index.search(query, k=15, allowed=allowed)
    assert rows.tolist() == _exact(vectors, query, 15, allowed)
    rows, scores = index.search(query, k=5)
    assert rows[0] == 7 and scores[0] == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("index_type", INDEX_TYPES)
def test_dense_search_with_few_or_no_allowed_rows(vectors: np.ndarray, index_type: str) -> None:
    index = DenseIndex.build(vectors, index_type)
    allowed = np.zeros(N, dtype=bool)
    allowed[[5, 77]] = True
    rows, _ = index.search(vectors[0], k=10, allowed=allowed)
    assert sorted(rows.tolist()) == [5, 77]
    rows, scores = index.search(vectors[0], k=10, allowed=np.zeros(N, dtype=bool))
    assert rows.size == 0 and scores.size == 0


@pytest.mark.parametrize("index_type", INDEX_TYPES)
def test_a_loaded_index_maps_its_vectors_from_the_file(vectors: np.ndarray, index_type: str,
                                                      tmp_path: Path) -> None:
    built = DenseIndex.build(vectors, index_type)
    path = tmp_path / "dense.faiss"
    built.save(path)
    mapped, copied = DenseIndex.load(path), DenseIndex.load(path, mmap=False)
    allowed = np.arange(N) % 2 == 0
    for q in (0, 3, 123):
        for index in (mapped, copied):
            rows, scores = index.search(vectors[q], k=10, allowed=allowed)
            want_rows, want_scores = built.search(vectors[q], k=10, allowed=allowed)
            assert rows.tolist() == want_rows.tolist()
            np.testing.assert_allclose(scores, want_scores, rtol=1e-6)
    np.testing.assert_allclose(mapped.vectors([4, 9]), vectors[[4, 9]], rtol=1e-6)
    maps = Path("/proc/self/maps")
    if maps.exists():  # Linux: the file is mapped (once per index loaded with mmap)
        assert maps.read_text().count(str(path)) >= 1


def test_empty_dense_index() -> None:
    index = DenseIndex.build(np.empty((0, DIM), np.float32))
    rows, _ = index.search(np.ones(DIM, np.float32), k=5)
    assert len(index) == 0 and rows.size == 0


def test_unknown_index_type() -> None:
    with pytest.raises(ValueError, match="ivf.*allowed: auto, flat, hnsw"):
        DenseIndex.build(np.ones((2, 4), np.float32), "ivf")


def test_auto_is_exact_for_a_small_kb_and_hnsw_for_a_large_one() -> None:
    assert resolve_index_type("auto", HNSW_FROM - 1) == "flat"
    assert resolve_index_type("auto", HNSW_FROM) == "hnsw"
    assert resolve_index_type("flat", 10 * HNSW_FROM) == "flat"
    assert resolve_index_type("hnsw", 10) == "hnsw"
    index = DenseIndex.build(np.eye(4, dtype=np.float32), "auto")
    assert type(index.index).__name__ == "IndexFlatIP"


def test_hnsw_keeps_its_recall_when_a_filter_hides_half_the_rows() -> None:
    """A filtered HNSW search explores as many candidates as an unfiltered one (FAISS's search
    parameters would otherwise replace the index's efSearch with 16)."""
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(40, DIM))
    v = (centres[rng.integers(0, 40, 6000)] + rng.normal(0, 0.35, (6000, DIM))).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    index, allowed = DenseIndex.build(v, "hnsw"), rng.random(len(v)) < 0.5
    queries = v[rng.integers(0, len(v), 60)] + rng.normal(0, 0.1, (60, DIM)).astype(np.float32)
    hits = [len(set(index.search(q, 10, allowed)[0].tolist()) & set(_exact(v, q, 10, allowed)))
            for q in queries]
    assert np.mean(hits) / 10 >= 0.97


@pytest.mark.parametrize("index_type", INDEX_TYPES)
def test_dense_save_load_round_trip(tmp_path: Path, vectors: np.ndarray,
                                    index_type: str) -> None:
    index = DenseIndex.build(vectors, index_type)
    path = tmp_path / "dense.faiss"
    index.save(path)
    loaded = DenseIndex.load(path)
    assert len(loaded) == N
    allowed = np.arange(N) % 2 == 0
    for q in (3, 100):
        before = index.search(vectors[q], k=8, allowed=allowed)
        after = loaded.search(vectors[q], k=8, allowed=allowed)
        np.testing.assert_array_equal(before[0], after[0])
        np.testing.assert_allclose(before[1], after[1])


@pytest.mark.parametrize("content", [b"", b"not a faiss index" * 20, "truncated"])
def test_corrupt_faiss_file_raises_snapshot_corrupt(tmp_path: Path, vectors: np.ndarray,
                                                     content: bytes | str) -> None:
    good = tmp_path / "good.faiss"
    DenseIndex.build(vectors).save(good)
    path = tmp_path / "dense.faiss"
    path.write_bytes(good.read_bytes()[:200] if content == "truncated" else content)
    with pytest.raises(SnapshotCorrupt) as info:
        DenseIndex.load(path)
    assert info.value.path == str(path)
    assert str(path) in str(info.value) and "kotae ingest" in str(info.value)


def test_missing_faiss_file_raises_snapshot_corrupt(tmp_path: Path) -> None:
    with pytest.raises(SnapshotCorrupt, match="dense.faiss"):
        DenseIndex.load(tmp_path / "dense.faiss")


# --- BM25 ------------------------------------------------------------------------------------

CORPUS = [
    ["パスワード", "再設定", "メール"],
    ["請求書", "作成", "テンプレート"],
    ["パスワード", "忘れる"],
    ["二段階認証", "設定", "アプリ"],
    [],  # an empty chunk is allowed
    ["請求書", "送付", "メール", "メール"],
]


@pytest.fixture(scope="module")
def bm25() -> BM25Index:
    return BM25Index.build(CORPUS)


def test_bm25_finds_rows_with_the_terms(bm25: BM25Index) -> None:
    rows, scores = bm25.search(["パスワード", "忘れる"], k=10)
    assert rows.tolist() == [2, 0]
    assert scores[0] > scores[1] > 0
    rows, _ = bm25.search(["メール"], k=10)
    assert set(rows.tolist()) == {0, 5}


def test_bm25_from_a_stream_scores_as_bm25s_does_from_token_lists() -> None:
    """The build takes one document's tokens at a time (a generator) and assembles the score
    matrix itself; every score is bm25s's own, from the whole token lists, bit for bit."""
    import bm25s

    streamed = BM25Index.build(tokens for tokens in CORPUS)
    reference = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    reference.index([tokens or [""] for tokens in CORPUS], show_progress=False)
    assert streamed.size == len(CORPUS)
    for query in (["パスワード", "忘れる"], ["メール"], ["請求書", "メール", "メール"]):
        rows, scores = streamed.search(query, k=10)
        expected = reference.get_scores(query)
        np.testing.assert_array_equal(scores, expected[rows])  # bit for bit
        assert sorted(rows.tolist()) == sorted(np.flatnonzero(expected > 0).tolist())


def test_bm25_scores_of_many_terms_are_bm25s_own_bit_for_bit(tmp_path: Path) -> None:
    """Scores are summed over the query's columns of the score matrix in one SciPy call, in
    bm25s's order (a reading query has 60-odd n-grams): the same float32 sums, also loaded
    memory-mapped."""
    import bm25s

    rng = np.random.default_rng(7)
    words = [f"語{i}" for i in range(60)]
    corpus = [[str(w) for w in rng.choice(words, size=rng.integers(1, 40))] for _ in range(400)]
    reference = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    reference.index(corpus, show_progress=False)
    built = BM25Index.build(corpus)
    built.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    for _ in range(30):
        query = [str(w) for w in rng.choice(words, size=rng.integers(1, 70))]  # repeats: twice
        expected = reference.get_scores(query)
        for index in (built, loaded):
            rows, scores = index.search(query, k=400)
            np.testing.assert_array_equal(scores, expected[rows])
            assert sorted(rows.tolist()) == sorted(np.flatnonzero(expected > 0).tolist())


def test_bm25_respects_k(bm25: BM25Index) -> None:
    rows, _ = bm25.search(["請求書", "パスワード", "メール"], k=2)
    assert len(rows) == 2


def test_bm25_mask(bm25: BM25Index) -> None:
    allowed = np.array([True, True, False, True, True, True])
    rows, _ = bm25.search(["パスワード", "忘れる"], k=10, allowed=allowed)
    assert rows.tolist() == [0]
    rows, _ = bm25.search(["パスワード"], k=10, allowed=np.zeros(len(CORPUS), dtype=bool))
    assert rows.size == 0


def test_bm25_unknown_tokens_give_nothing(bm25: BM25Index) -> None:
    for query in (["天気"], [], [""], ["東京", "天気"]):
        rows, scores = bm25.search(query, k=10)
        assert rows.size == 0 and scores.size == 0
    rows, _ = bm25.search(["天気", "請求書"], k=10)  # unknown terms are just ignored
    assert set(rows.tolist()) == {1, 5}


def test_bm25_save_load_round_trip(tmp_path: Path, bm25: BM25Index) -> None:
    bm25.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    assert loaded.size == len(CORPUS)
    for query in (["パスワード"], ["メール", "請求書"]):
        before, after = bm25.search(query, k=10), loaded.search(query, k=10)
        np.testing.assert_array_equal(before[0], after[0])
        np.testing.assert_allclose(before[1], after[1])


def test_bm25_load_of_a_broken_folder_raises_snapshot_corrupt(tmp_path: Path) -> None:
    with pytest.raises(SnapshotCorrupt) as info:
        BM25Index.load(tmp_path)
    assert info.value.path == str(tmp_path)


def test_empty_bm25_index() -> None:
    index = BM25Index.build([])
    rows, _ = index.search(["パスワード"], k=5)
    assert index.size == 0 and rows.size == 0
