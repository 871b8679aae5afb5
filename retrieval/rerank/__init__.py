"""The second ranking stage: the first stage's best documents scored again, with what the
first stage throws away, so that the top hit is right more often and the confidence knows it.

Two kinds (``KOTAE_RERANKER``): ``learned`` (the default: kotae's own features and a LightGBM
lambdarank model, no download, ``model``/``features``/``docs``) and ``cross-encoder`` (a
sentence-transformers cross-encoder from a hub or a folder, ``KOTAE_RERANKER_MODEL``); ``off``
searches with the first stage alone.

Example:
    >>> reranker = LearnedReranker(RankModel.for_kb(kb_dir))
    >>> scores = reranker.rerank(query, candidates, table, texts)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from kotae.kb.settings import RERANKERS  # the setting's values, owned by the settings
from kotae.retrieval.rerank.docs import FOLDER, DocTable
from kotae.retrieval.rerank.features import (
    FEATURES,
    SHIPPED,
    Candidate,
    QueryInfo,
    candidate_features,
)
from kotae.retrieval.rerank.model import RankModel, RankModelError

log = logging.getLogger(__name__)

DEFAULT_DEPTH = 30  # first-stage documents the second stage scores again


class Reranker(Protocol):
    """Scores the candidates of one query again (higher: better); ``texts`` are what each
    candidate says (its title and best passage), for rerankers that read text; ``features``
    their ``candidate_features`` (the searcher computes them once: the confidence reads them
    too)."""

    id: str

    def rerank(self, query: QueryInfo, candidates: Sequence[Candidate], table: DocTable,
               texts: Sequence[str], features: np.ndarray | None = None) -> np.ndarray: ...

    def warm_up(self) -> None: ...


class PairScorer(Protocol):
    """A cross-encoder, by shape (``kotae.models.cross_encoder.CrossEncoderScorer`` fits)."""

    id: str

    def score(self, question: str, passages: Sequence[str]) -> np.ndarray: ...

    def warm_up(self) -> None: ...


class LearnedReranker:
    """kotae's own second stage: ``features`` scored by a ``RankModel``. Made ``for_kb``, it
    follows the KB's refit (``follow``: the searcher calls it when the KB's tuning changes)."""

    def __init__(self, model: RankModel, kb_dir: Path | None = None) -> None:
        self.model = model
        self.id = f"learned:{model.id}"
        self.kb_dir = kb_dir

    @classmethod
    def for_kb(cls, kb_dir: Path) -> LearnedReranker:
        """The KB's own refit when it has one, else the shipped model; followed."""
        return cls(RankModel.for_kb(kb_dir), kb_dir)

    def follow(self) -> None:
        """Take the KB's refit as it is now (written, replaced or removed), loaded at once."""
        if self.kb_dir is None:
            return
        model = RankModel.for_kb(self.kb_dir)
        try:
            model.warm_up()
        except RankModelError as exc:  # a refit that cannot be read: the model before serves
            log.error("second stage not reloaded, still ranking with %s: %s", self.id, exc)
            return
        self.model, self.id = model, f"learned:{model.id}"

    def rerank(self, query: QueryInfo, candidates: Sequence[Candidate], table: DocTable,
               texts: Sequence[str], features: np.ndarray | None = None) -> np.ndarray:
        return self.model.score(candidate_features(query, candidates, table)
                                if features is None else features)

    def warm_up(self) -> None:
        self.model.warm_up()


class CrossEncoderReranker:
    """A cross-encoder reads the question with each candidate's text."""

    def __init__(self, scorer: PairScorer) -> None:
        self.scorer = scorer
        self.id = scorer.id

    def rerank(self, query: QueryInfo, candidates: Sequence[Candidate], table: DocTable,
               texts: Sequence[str], features: np.ndarray | None = None) -> np.ndarray:
        return np.asarray(self.scorer.score(query.text, list(texts)), dtype=np.float64)

    def warm_up(self) -> None:
        self.scorer.warm_up()


__all__ = ["DEFAULT_DEPTH", "FEATURES", "FOLDER", "RERANKERS", "Candidate",
           "CrossEncoderReranker", "DocTable", "LearnedReranker", "PairScorer", "QueryInfo",
           "RankModel", "RankModelError", "Reranker", "SHIPPED", "candidate_features"]
