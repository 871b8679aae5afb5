"""Vectors for the gap report: questions (as e5 queries, cached) and articles (from the index).

Questions are embedded with the query role: e5 uses ``query:`` for symmetric tasks such as
clustering, and every question goes through the same role, so a Japanese and an English
question about the same thing land close. Vectors are kept in the store's embedding cache
under ``<embedder id>#query``, so a report embeds only the questions it has not seen before.
Articles are not embedded again: their chunk vectors are in the cache from the index build.

Example:
    >>> vectors = question_vectors([q.text for q in questions], embedder, store)
    >>> vectors.shape
    (12, 384)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from kotae.kb import Chunk, Document, KBStore, stable_hash
from kotae.kb.errors import StoreUnavailable
from kotae.kb.store import QUERY_VECTORS
from kotae.retrieval.protocols import Embedder

CACHE_BATCH = 64
MAX_BACKGROUND = 2000


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def question_vectors(texts: Sequence[str], embedder: Embedder, store: KBStore | None = None,
                     on_progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Unit query vectors of ``texts`` (shape ``(len(texts), dim)``), cached in ``store``."""
    cache_id = embedder.id + QUERY_VECTORS
    hashes = [stable_hash(t, length=32) for t in texts]
    found = store.get_embeddings(cache_id, hashes) if store is not None else {}
    todo = [(h, t) for h, t in dict(zip(hashes, texts, strict=True)).items() if h not in found]
    pending: dict[str, np.ndarray] = {}
    caching = store is not None
    for n, (text_hash, text) in enumerate(todo, 1):
        vector = np.asarray(embedder.embed_query(text), dtype=np.float32)
        found[text_hash] = pending[text_hash] = vector
        if store is not None and caching and (len(pending) == CACHE_BATCH or n == len(todo)):
            try:
                store.put_embeddings(cache_id, pending)  # an interrupted report keeps its work
            except StoreUnavailable:  # a read-only or locked KB: the report goes on uncached
                caching = False
            pending = {}
        if on_progress:
            on_progress(n, len(todo))
    if not texts:
        return np.empty((0, embedder.dim), dtype=np.float32)
    return normalise_rows(np.stack([found[h] for h in hashes]))


def document_vectors(pairs: Sequence[tuple[Chunk, Document]], embedder_id: str,
                     store: KBStore) -> dict[str, np.ndarray]:
    """doc id → the unit mean of its chunk vectors, for documents whose chunks are all cached."""
    hashes = {c.id: stable_hash(c.indexed_text, length=32) for c, _ in pairs}
    cached = store.get_embeddings(embedder_id, hashes.values())
    by_doc: dict[str, list[np.ndarray]] = {}
    missing: set[str] = set()
    for chunk, doc in pairs:
        vector = cached.get(hashes[chunk.id])
        if vector is None:
            missing.add(doc.id)
        else:
            by_doc.setdefault(doc.id, []).append(vector)
    out = {}
    for doc_id, vectors in by_doc.items():
        if doc_id not in missing:
            out[doc_id] = normalise_rows(np.mean(vectors, axis=0, keepdims=True))[0]
    return out


def background_texts(docs: Sequence[Document], limit: int = MAX_BACKGROUND
                     ) -> tuple[list[str], list[str]]:
    """The KB's titles (FAQ questions, article titles, ticket subjects) and their languages:
    what a question of this KB usually looks like, for centering (``cluster.center_by_language``).
    At most ``limit``, taken evenly in id order so the same KB gives the same set."""
    ordered = sorted((d for d in docs if (d.question or d.title).strip()), key=lambda d: d.id)
    step = max(1, -(-len(ordered) // limit))
    chosen = ordered[::step][:limit]
    return ([" ".join((d.question or d.title).split()) for d in chosen],
            [d.language for d in chosen])
