"""Meaning at sentence level: e5 vectors of the sources' sentences and of the question.

A sentence's vector is the KB's embedder's passage vector of its text, kept in the store's
embedding cache (keyed by embedder id and text hash, like chunk vectors), so it is computed
once, at ingest (``precompute``), and only read at request time. A sentence not cached yet
(a KB ingested before sentence vectors existed) is embedded on demand, at most ``max_new`` per
request, and cached; beyond that it has no vector, and that request chooses by words alone.

Example:
    >>> vectors = SentenceVectors(embedder, store)
    >>> q = vectors.query("請求書の宛名を変えたい")
    >>> [float(v @ q) for v in vectors.of(["宛名は設定から変更できます。"]) if v is not None]
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol

import numpy as np

from kotae.kb import Chunk, Document, stable_hash
from kotae.retrieval.protocols import Embedder

PASSAGE_CACHE = 8_192  # passage vectors kept in memory (12 MB at 384 dimensions)
QUERY_CACHE = 1024


class EmbeddingCache(Protocol):
    """What the sentence vectors need from the store (``kb.KBStore`` fits)."""

    def get_embeddings(self, embedder_id: str, text_hashes: Iterable[str]
                       ) -> dict[str, np.ndarray]: ...

    def put_embeddings(self, embedder_id: str, vectors: dict[str, np.ndarray]) -> None: ...


class MemoryCache:
    """An embedding cache in memory, for a composer without a store (tests, one-off tools)."""

    def __init__(self) -> None:
        self._vectors: dict[tuple[str, str], np.ndarray] = {}

    def get_embeddings(self, embedder_id: str, text_hashes: Iterable[str]
                       ) -> dict[str, np.ndarray]:
        return {h: self._vectors[embedder_id, h] for h in text_hashes
                if (embedder_id, h) in self._vectors}

    def put_embeddings(self, embedder_id: str, vectors: dict[str, np.ndarray]) -> None:
        self._vectors.update({(embedder_id, h): v for h, v in vectors.items()})


class _Documents(Protocol):
    def iter_chunks_with_documents(self) -> Iterator[tuple[Chunk, Document]]: ...


def text_key(text: str) -> str:
    """The cache key of a text (the same as the index builder's, so equal texts share it)."""
    return stable_hash(text, length=32)


class SentenceVectors:
    """Passage vectors of sentences from the cache, and query vectors (thread-safe).

    Example:
        >>> SentenceVectors(embedder, store, max_new=0).of(["未計算の文。"])
        [None]
    """

    def __init__(self, embedder: Embedder, cache: EmbeddingCache, max_new: int = 64,
                 queries: Callable[[str], np.ndarray] | None = None) -> None:
        """``queries``: where query vectors come from when not from ``embedder`` directly (a
        searcher's cached ``embed_query``: the question it just searched is not embedded
        twice)."""
        if max_new < 0:
            raise ValueError(f"max_new must be ≥ 0, got {max_new}")
        self.embedder, self.cache, self.max_new = embedder, cache, max_new
        self._source = queries
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        # The last ``PASSAGE_CACHE`` passage vectors read, by key: the same pages' sentences
        # answer many questions, and reading them from the store each time was a tenth of a
        # suggestion's time. A key names a text and the vectors stay those of one embedder.
        self._passages: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def query(self, text: str) -> np.ndarray:
        """The query vector of ``text`` (the last ``QUERY_CACHE`` questions are kept)."""
        if self._source is not None:
            return np.asarray(self._source(text), dtype=np.float32)
        with self._lock:
            found = self._queries.get(text)
            if found is not None:
                self._queries.move_to_end(text)
                return found
        vector = np.asarray(self.embedder.embed_query(text), dtype=np.float32)
        with self._lock:
            self._queries[text] = vector
            while len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vector

    def of(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        """The vector of each text (None for one neither cached nor within ``max_new``)."""
        keys = [text_key(t) for t in texts]
        with self._lock:
            found = {k: self._passages[k] for k in keys if k in self._passages}
        wanted = [k for k in dict.fromkeys(keys) if k not in found]
        read = self.cache.get_embeddings(self.embedder.id, wanted) if wanted else {}
        found.update(read)
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
        if todo and self.max_new:
            part = list(todo.items())[:self.max_new]
            vectors = self.embedder.embed_passages([t for _, t in part])
            new = {k: np.asarray(v, dtype=np.float32) for (k, _), v in
                   zip(part, vectors, strict=True)}
            self.cache.put_embeddings(self.embedder.id, new)
            found.update(new)
        with self._lock:
            for k in keys:
                if k in found:
                    self._passages[k] = found[k]
                    self._passages.move_to_end(k)
            while len(self._passages) > PASSAGE_CACHE:
                self._passages.popitem(last=False)
        return [found.get(k) for k in keys]


def precompute(texts: Iterable[str], embedder: Embedder, cache: EmbeddingCache,
               batch: int = 64) -> int:
    """Embed and cache every text not cached yet; returns how many were embedded."""
    wanted = {text_key(t): t for t in texts}
    cached = cache.get_embeddings(embedder.id, wanted)
    todo = [(k, t) for k, t in wanted.items() if k not in cached]
    for start in range(0, len(todo), batch):
        part = todo[start:start + batch]
        vectors = embedder.embed_passages([t for _, t in part])
        cache.put_embeddings(embedder.id, {k: np.asarray(v, dtype=np.float32)
                                           for (k, _), v in zip(part, vectors, strict=True)})
    return len(todo)


def quotable_texts(store: _Documents) -> list[str]:
    """The sentences the composers may quote: those of public articles and FAQ entries (as
    whole documents and as the chunks deflection reads) and of past tickets' replies; and the
    questions of FAQ entries, which their answers' sentences are scored with."""
    from kotae.kb import Kind, customer_may_read
    from kotae.suggest.compose.foreign import carries_customer_context, is_boilerplate
    from kotae.suggest.text import source_sentences

    texts: dict[str, None] = {}
    seen: set[str] = set()
    for chunk, doc in store.iter_chunks_with_documents():
        if customer_may_read(doc):
            texts.update((s.text, None) for s in source_sentences(chunk.text))
            if doc.id not in seen:
                seen.add(doc.id)
                whole = (doc.answer or doc.body) if doc.kind is Kind.FAQ else doc.body
                texts.update((s.text, None) for s in source_sentences(whole))
                if doc.kind is Kind.FAQ and (doc.question or doc.title).strip():
                    texts[doc.question or doc.title] = None  # what its answer answers
        elif doc.kind is Kind.TICKET and doc.id not in seen:  # a reply: what may be quoted
            seen.add(doc.id)
            texts.update((s.text, None) for s in source_sentences(doc.answer)
                         if not (is_boilerplate(s.text) or carries_customer_context(s.text)))
    return list(texts)
