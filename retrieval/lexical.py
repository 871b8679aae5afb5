"""The lexical index: BM25 (bm25s, Lucene variant) over Japanese-aware tokens."""

from __future__ import annotations

import logging
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from kotae.retrieval.errors import IndexCorrupt

log = logging.getLogger(__name__)


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

    @classmethod
    def build(cls, corpus_tokens: list[list[str]], k1: float = 1.2, b: float = 0.75) -> BM25Index:
        model = _bm25s().BM25(k1=k1, b=b, method="lucene")
        # An empty document would have no tokens; bm25s wants at least one per document.
        model.index([toks or [""] for toks in corpus_tokens] or [[""]], show_progress=False)
        return cls(model, len(corpus_tokens))

    def save(self, folder: Path) -> None:
        self.model.save(str(folder), show_progress=False)
        (folder / "size.txt").write_text(str(self.size))

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        try:
            model = _bm25s().BM25.load(str(folder), show_progress=False)
            size = int((folder / "size.txt").read_text())
        except (OSError, ValueError, EOFError, KeyError) as exc:  # EOFError: an empty .npy
            raise IndexCorrupt(folder, str(exc)[:200]) from exc
        return cls(model, size)

    def search(self, query_tokens: list[str], k: int,
               allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows with a positive score among the ``allowed`` rows."""
        known = [t for t in query_tokens if t in self.vocab and t]
        if not known or self.size == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        scores = np.asarray(self.model.get_scores(known), dtype=np.float32)[: self.size]
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > k:
            top = np.argpartition(-scores[candidates], k - 1)[:k]
            candidates = candidates[top]
        order = np.argsort(-scores[candidates], kind="stable")
        rows = candidates[order]
        return rows.astype(np.int64), scores[rows]
