"""The lexical index: BM25 (bm25s, Lucene variant) over Japanese-aware tokens."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from kotae.retrieval.errors import IndexCorrupt

log = logging.getLogger(__name__)


_PLACED = np.empty(0, dtype=np.int32)  # a document's postings once in the matrix


def _bm25s() -> ModuleType:
    import bm25s

    # bm25s sets its own logger to DEBUG on import; keep its chatter out of our output.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


class BM25Index:
    """Example:
        >>> index = BM25Index.build([["請求書", "作成"], ["パスワード", "忘れる"]])
        >>> rows, scores = index.search(["パスワード"], k=5)
    """

    def __init__(self, model: Any, size: int) -> None:
        self.model = model
        self.size = size
        self.vocab: dict[str, int] = dict(model.vocab_dict)
        self._columns: Any = None  # the score matrix for SciPy, made on first use

    def _scores(self, tokens: list[str]) -> np.ndarray:
        """Each document's BM25 score for ``tokens``: the sum of the tokens' columns of the
        precomputed score matrix. SciPy sums the chosen columns in C, in the same order as
        bm25s's ``get_scores`` (bit for bit the same scores, 35 % less time on the reading
        index's 60-odd n-grams a query at 100,000 chunks); the arrays stay memory-mapped."""
        model = self.model
        if model.nonoccurrence_array is not None:  # BM25L/BM25+: not how kotae builds
            return np.asarray(model.get_scores(tokens), dtype=np.float32)
        if self._columns is None:
            import scipy.sparse

            scores = model.scores
            self._columns = scipy.sparse.csc_matrix(
                (scores["data"], scores["indices"], scores["indptr"]),
                shape=(scores["num_docs"], len(scores["indptr"]) - 1), copy=False)
        ids = np.asarray(model.get_tokens_ids(tokens), dtype=np.int64)
        picked = self._columns[:, ids]
        return np.asarray(picked @ np.ones(len(ids), dtype=picked.dtype)).ravel()

    @classmethod
    def build(cls, corpus_tokens: Iterable[list[str]], k1: float = 1.2,
              b: float = 0.75) -> BM25Index:
        """From each document's tokens, consumed one document at a time.

        The scores are bm25s's own (its Lucene scorers, on the same counts), but the
        matrix is assembled here: bm25s's ``index`` keeps every document's token list and
        sorts all postings with int64 keys, which took ~1.5 GB for the reading index of a
        100k-chunk KB; here each document keeps its distinct terms and counts until its
        scores are placed straight into their column."""
        bm25s = _bm25s()
        from bm25s import scoring

        model = bm25s.BM25(k1=k1, b=b, method="lucene")
        vocab: dict[str, int] = {}
        terms: list[np.ndarray] = []  # each document's distinct term ids ...
        counts: list[np.ndarray] = []  # ... and how often each occurs
        lengths: list[int] = []
        df = np.zeros(1024, dtype=np.int64)  # documents per term id, grown as terms come
        for tokens in corpus_tokens:
            # An empty document would have no tokens; bm25s wants at least one per document.
            ids, tf = scoring._get_counts_from_token_ids(
                [vocab.setdefault(t, len(vocab)) for t in tokens or [""]], dtype="float32",
                int_dtype="int32")
            if len(vocab) > len(df):
                df = np.concatenate([df, np.zeros(max(len(vocab), 2 * len(df)) - len(df),
                                                  dtype=np.int64)])
            df[ids] += 1  # a document's ids are distinct
            terms.append(ids)
            top = tf.max(initial=0)
            counts.append(tf.astype(np.uint8) if top < 2 ** 8 else
                          tf.astype(np.uint16) if top < 2 ** 16 else tf)
            lengths.append(len(tokens) or 1)
        size = len(terms)
        if not terms:
            terms.append(np.array([vocab.setdefault("", 0)], np.int32))
            counts.append(np.ones(1, np.uint8))
            lengths.append(1)
            df[0] = 1
        df = df[:len(vocab)]
        idf = scoring._build_idf_array(dict(enumerate(df.tolist())), len(terms),
                                       scoring._select_idf_scorer("lucene"), "float32")
        tfc = scoring._select_tfc_scorer("lucene")
        avg = np.array(lengths).mean()
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        data = np.empty(int(indptr[-1]), dtype=np.float32)
        rows = np.empty(int(indptr[-1]), dtype=np.int32)
        cursor = indptr[:-1].copy()
        for doc, (ids, tf) in enumerate(zip(terms, counts, strict=True)):
            at = cursor[ids]
            data[at] = idf[ids] * tfc(tf_array=tf.astype(np.float32), l_d=lengths[doc],
                                      l_avg=avg, k1=k1, b=b, delta=model.delta)
            rows[at] = doc
            cursor[ids] += 1
            terms[doc] = counts[doc] = _PLACED  # let it go
        model.scores = {"data": data, "indices": rows, "indptr": indptr,
                        "num_docs": len(lengths)}
        model.nonoccurrence_array = None
        vocab.setdefault("", len(vocab))  # as bm25s's index(): queries of no known term
        model.vocab_dict = vocab
        model.unique_token_ids_set = set(vocab.values())
        return cls(model, size)

    def save(self, folder: Path) -> None:
        self.model.save(str(folder), show_progress=False)
        (folder / "size.txt").write_text(str(self.size))

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        """The index saved in ``folder``, its score matrix memory-mapped (a snapshot's files
        never change): nothing is copied at load, and worker processes share one copy."""
        try:
            model = _bm25s().BM25.load(str(folder), mmap=True, show_progress=False)
            size = int((folder / "size.txt").read_text())
            # Still memory-mapped, read through plain array views: np.memmap's Python-level
            # bookkeeping on every slice cost more than the scoring (3 slices a query term).
            model.scores = {key: value.view(np.ndarray) if isinstance(value, np.memmap)
                            else value for key, value in model.scores.items()}
        except (OSError, ValueError, EOFError, KeyError) as exc:  # EOFError: an empty .npy
            raise IndexCorrupt(folder, str(exc)[:200]) from exc
        return cls(model, size)

    def search(self, query_tokens: list[str], k: int,
               allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows with a positive score among the ``allowed`` rows."""
        known = [t for t in query_tokens if t in self.vocab and t]
        if not known or self.size == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        scores = np.asarray(self._scores(known), dtype=np.float32)[: self.size]
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > k:
            top = np.argpartition(-scores[candidates], k - 1)[:k]
            candidates = candidates[top]
        order = np.argsort(-scores[candidates], kind="stable")
        rows = candidates[order]
        return rows.astype(np.int64), scores[rows]
