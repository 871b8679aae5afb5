"""A cross-encoder reranker: sentence-transformers' ``CrossEncoder`` (``pip install
'kotae[st]'``), for teams that have a model hub or a model folder.

A cross-encoder reads the question and a candidate passage together and scores how well the
passage answers; it is the proven way to fix the top hit when a good model is at hand (on
JaGovFaqs-22k, published: ruri-v3-30m alone 0.703 nDCG@10, with
hotchpotch/japanese-reranker-xsmall-v2 0.744). No such model ships in a package kotae can
install offline, so kotae's default second stage is its own learned one
(``kotae.retrieval.rerank``); this one is a setting away (``KOTAE_RERANKER=cross-encoder``,
``KOTAE_RERANKER_MODEL=hotchpotch/japanese-reranker-xsmall-v2`` or a local folder).

Example:
    >>> scorer = CrossEncoderScorer("hotchpotch/japanese-reranker-xsmall-v2")
    >>> scorer.score("パスワードを忘れた", ["ログイン画面から再設定できます。", "請求書の送り方"])
    array([ 3.1, -4.2], dtype=float32)
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kotae.models.errors import MissingExtra, ModelError


class CrossEncoderScorer:
    """Scores (question, passage) pairs with a sentence-transformers cross-encoder on the CPU;
    the model loads on first use."""

    def __init__(self, model: str, batch_size: int = 16, max_length: int = 512) -> None:
        if not model or not model.strip():
            raise ValueError("a cross-encoder needs a model: a hub name or a local folder "
                             "(KOTAE_RERANKER_MODEL)")
        if batch_size < 1 or max_length < 16:
            raise ValueError(f"batch_size must be ≥ 1 and max_length ≥ 16, got {batch_size} "
                             f"and {max_length}")
        path = Path(model).expanduser()
        self.model_name = str(path.resolve()) if path.exists() else model
        self.id = f"cross-encoder:{path.resolve().name if path.exists() else model}"
        self.batch_size, self.max_length = batch_size, max_length
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from sentence_transformers import CrossEncoder
                except ImportError as exc:
                    raise MissingExtra("sentence-transformers", "st", exc) from exc
                try:
                    self._model = CrossEncoder(self.model_name, device="cpu",
                                               max_length=self.max_length)
                except OSError as exc:
                    raise ModelError(f"cannot load cross-encoder {self.model_name!r}: "
                                     f"{exc}") from exc
        return self._model

    def warm_up(self) -> None:
        self._load()

    def score(self, question: str, passages: Sequence[str]) -> np.ndarray:
        """One raw relevance score per passage (higher: answers better)."""
        if not passages:
            return np.zeros(0, dtype=np.float32)
        model = self._model or self._load()
        scores = model.predict([(question, p) for p in passages], batch_size=self.batch_size,
                               show_progress_bar=False, convert_to_numpy=True)
        return np.asarray(scores, dtype=np.float32).reshape(len(passages))
