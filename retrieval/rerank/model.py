"""The learned second stage: a LightGBM lambdarank model over ``features.FEATURES``.

kotae ships one (``default_ranker.txt``, fitted with ``kotae eval rerank --ship`` on public
query sets; which ones, and the figures, are in docs/benchmarks.md). A KB with labelled
questions of its own (FAQ variants, or a judged query set) can refit its own (``rerank.txt`` in
the KB directory, ``kotae eval rerank``), which then serves instead. A model file's first line
says which features it reads, in which order (a model fitted on other features is refused), and
which query sets it was fitted on (so that an eval on one of them says its figures are
in-sample).

Example:
    >>> model = RankModel.for_kb(Path("var/kb"))
    >>> scores = model.score(candidate_features(query, candidates, table))
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from kotae.retrieval.errors import RetrievalError
from kotae.retrieval.rerank.features import FEATURES

DEFAULT_MODEL = Path(__file__).with_name("default_ranker.txt")
KB_MODEL = "rerank.txt"  # a KB's own refit, in its directory
_HEADER = "# kotae-rerank "  # first line: the features the model reads, as JSON


class RankModelError(RetrievalError):
    """A rerank model file that cannot be used (the message says why and what to do)."""


class RankModel:
    """A lambdarank model and the features it reads; thread-safe, loaded on first use."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._booster: Any = None
        self._columns: list[int] = []
        self.features: list[str] = []
        self.trained_on: list[dict[str, Any]] = []  # [{"name", "fingerprint", "queries"}]
        self._lock = threading.Lock()

    @classmethod
    def for_kb(cls, kb_dir: Path) -> RankModel:
        """The KB's own refit when it has one, else the shipped model."""
        own = Path(kb_dir) / KB_MODEL
        return cls(own if own.is_file() else DEFAULT_MODEL)

    @property
    def id(self) -> str:
        return "default" if self.path == DEFAULT_MODEL else f"kb:{self.path.name}"

    def _load(self) -> Any:
        with self._lock:
            if self._booster is None:
                import lightgbm as lgb

                try:
                    text = self.path.read_text(encoding="utf-8")
                    header, _, body = text.partition("\n")
                    if not header.startswith(_HEADER):
                        raise ValueError("no kotae header line")
                    info = json.loads(header[len(_HEADER):])
                    features = info["features"]
                    unknown = [f for f in features if f not in FEATURES]
                    if unknown:
                        raise ValueError(f"features this version does not compute: {unknown}")
                    self._columns = [list(FEATURES).index(f) for f in features]
                    self._booster = lgb.Booster(model_str=body)
                    self.features = features
                    self.trained_on = list(info.get("trained_on", []))
                except (OSError, ValueError, KeyError, lgb.basic.LightGBMError) as exc:
                    fix = ("reinstall kotae, or set KOTAE_RERANKER=off"
                           if self.path == DEFAULT_MODEL else
                           "refit it with `kotae eval rerank` or delete it to use the "
                           "shipped one")
                    raise RankModelError(f"rerank model {self.path} is unusable ({exc}); "
                                         f"{fix}") from exc
        return self._booster

    def score(self, features: np.ndarray) -> np.ndarray:
        """One score per row of a ``candidate_features`` matrix (higher: better)."""
        booster = self._booster or self._load()
        if not len(features):
            return np.zeros(0, dtype=np.float64)
        return np.asarray(booster.predict(features[:, self._columns], num_threads=1),
                          dtype=np.float64)

    def warm_up(self) -> None:
        self._load()

    def fitted_on(self, fingerprint: str) -> bool:
        """Whether the query set of this fingerprint was among the model's training data."""
        self._load()
        return any(t.get("fingerprint") == fingerprint for t in self.trained_on)


def save_model(booster: Any, features: list[str], path: Path,
               trained_on: list[dict[str, Any]] | None = None) -> None:
    """Write a fitted LightGBM booster with the header naming its features and training sets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    header = {"features": list(features), "trained_on": trained_on or []}
    tmp.write_text(_HEADER + json.dumps(header, ensure_ascii=False) + "\n"
                   + booster.model_to_string(), encoding="utf-8")
    tmp.replace(path)
