"""Confidence that the top hit answers the query: a logistic curve over named search features
(or a KB's own boosted trees).

``z = (top cosine − center) · scale + Σ weight[name] · feature[name]`` and confidence
``= 1 / (1 + e^−z)``, over the features of ``FEATURES`` (each described there). ``center`` is
the cosine at which confidence is 0.5 when the other terms are 0, ``scale`` how fast it rises.
The weights are KB settings that the eval harness fits on labelled queries (``kotae eval
deflection``); the defaults suit multilingual-e5-small and leave most features out (weight 0),
so a KB calibrated before a feature existed keeps its confidence.

A KB that was never calibrated scores with ``default_confidence``: the curve fitted for the
shipped second stage (``rerank/default_confidence.json``, written by ``kotae eval deflection
--ship``; how and on what: docs/benchmarks.md) when that stage ranked the search, else the
hand-set first-stage curve ``ConfidenceModel()``.

A KB calibrated on enough of its own questions may score with boosted trees instead
(``BoostedConfidence``: the same features and the top hit's whole second-stage row), kept only
when they beat its curve on questions they were not fitted on.

Adding a feature: a line in ``FEATURES``, its value in ``confidence_features``, a test. The
model, its calibration and its saved form follow by name (a KB's trees, which read every
feature, ask to be fitted again).

Example:
    >>> model = ConfidenceModel(center=0.85, scale=26.0,
    ...                         weights={"arms_agree": 2.6, "cosine_margin": 40.0})
    >>> f = ConfidenceFeatures(0.86, {"arms_agree": 1.0, "cosine_margin": 0.03})
    >>> round(model.score(f), 3)
    0.983
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np

SHARE_K = 10  # the top share counts the dense arm's best SHARE_K chunks

# The features besides the top cosine, in the order the curve adds them up.
FEATURES: dict[str, str] = {
    "arms_agree": "1 when BM25 and dense put the same document first, and it is the top hit",
    "cosine_margin": "the top hit's cosine minus the best cosine of any other document",
    "fused_margin": "the top hit's fused score minus the best fused score of another document",
    "top_share": f"the share of the dense arm's best {SHARE_K} chunks that are the top hit's",
    "router_prob": "the question router's probability of the top hit's entry",
    "phrasing_lift": "the query's cosine to the nearest phrasing of the top hit's entry, minus "
                     "the top cosine (the two move together: as a lift, a linear fit of both "
                     "keeps the top cosine's slope positive)",
    "rerank_score": "the second stage's score of the top hit (0 without a second stage)",
    "rerank_margin": "the second stage's score of the top hit minus the runner-up's",
    "rerank_margin3": "the second stage's score of the top hit minus the third candidate's (a "
                      "runner-up that answers too, as an FAQ entry and an article on one "
                      "topic do, leaves this margin wide)",
    # What the second stage saw of the top hit (``retrieval.rerank.FEATURES``; 0 without it):
    "title_cosine": "the query's cosine to the top hit's title alone",
    "title_margin": "the top hit's title cosine minus the best title cosine of another candidate",
    "sentence_cosine": "the query's cosine to the top hit's best-matching sentence",
    "sentence_margin": "the top hit's best sentence's cosine minus the best of another candidate",
    "title_coverage": "the share of the query's content words (by rarity) the top hit's title has",
    "doc_coverage": "the share of the query's content words (by rarity) the top hit has",
    "pair_coverage": "the share of the query's adjacent word pairs the top hit has",
    "title_chars": "the share of the query's character pairs the top hit's title has",
    "query_terms": "how many content words the query has",
    "query_length": "log(1 + the query's length in characters)",
}
# Features whose scale comes from the KB's own settings and shape: the fused score from its
# fusion weights and arms (a KB with FAQ variants adds the router's probability), the share from
# how many chunks its documents have, the router's from its variants. A curve fitted on other
# KBs (the shipped one) leaves them out; a KB's own calibration uses them all.
KB_SHAPED = ("fused_margin", "top_share", "router_prob", "phrasing_lift")
# The top hit as the second stage saw it: (its column in ``retrieval.rerank.FEATURES``, whether
# as a margin over the best other candidate). Their scale comes from how a KB writes its titles
# and articles (an FAQ's question, a Wikipedia title): a curve fitted on LocalgovFAQ with the
# title cosine told JSQuAD's right top hits from wrong ones worse (AUROC 0.879 → 0.703), while
# each set's own curve gains from all of them (5-fold, docs/benchmarks.md). So a KB's own
# calibration and refit read them, and the shipped curve does not.
SECOND_STAGE: dict[str, tuple[str, bool]] = {
    "title_cosine": ("title_cos", False), "title_margin": ("title_cos", True),
    "sentence_cosine": ("sent_cos", False), "sentence_margin": ("sent_cos", True),
    "title_coverage": ("cov_title", False), "doc_coverage": ("cov_doc", False),
    "pair_coverage": ("cov_pairs", False), "title_chars": ("char_title", False),
    "query_terms": ("q_terms", False), "query_length": ("q_len", False),
}
NOT_SHIPPED = (*KB_SHAPED, *SECOND_STAGE)  # what a curve for other KBs leaves out
# Weights of settings files written before the features had names.
_OLD_NAMES = {"agreement_bonus": "arms_agree", "margin_weight": "cosine_margin",
              "fused_margin_weight": "fused_margin", "share_weight": "top_share",
              "router_weight": "router_prob", "phrasing_weight": "phrasing_lift"}


def _check_names(names: Mapping[str, Any], what: str) -> None:
    unknown = sorted(set(names) - set(FEATURES))
    if unknown:
        raise ValueError(f"unknown confidence {what} {', '.join(unknown)}; known: "
                         f"{', '.join(FEATURES)}")


@dataclass(frozen=True)
class ConfidenceFeatures:
    """What the confidence is computed from, for one search: the top hit's dense cosine (None
    when the dense arm did not find it) and the named features (missing ones are 0)."""

    top_cosine: float | None
    values: Mapping[str, float] = field(default_factory=dict)
    # The top hit's whole row of the second stage's features (``retrieval.rerank.FEATURES``
    # order; empty without a second stage): what a KB's boosted calibration reads besides the
    # named features (``BoostedConfidence``).
    row: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        _check_names(self.values, "feature")

    def __getitem__(self, name: str) -> float:
        if name not in FEATURES:
            raise KeyError(name)
        return float(self.values.get(name, 0.0))

    def __getattr__(self, name: str) -> float:
        if name in FEATURES:
            return self[name]
        raise AttributeError(name)

    def as_dict(self) -> dict[str, float | None]:
        return {"top_cosine": self.top_cosine, **{n: self[n] for n in FEATURES}}


@cache
def _positions(columns: tuple[str, ...]) -> dict[str, int]:
    return {name: i for i, name in enumerate(columns)}


def second_stage_values(columns: Sequence[str], features: np.ndarray,
                        top: int) -> dict[str, float]:
    """The ``SECOND_STAGE`` features of candidate ``top``, from the second stage's feature
    matrix of one query (a row per candidate, ``columns`` its column names)."""
    position = _positions(tuple(columns))
    out = {}
    for name, (column, margin) in SECOND_STAGE.items():
        values = features[:, position[column]]
        value = float(values[top])
        if margin:
            others = np.delete(values, top)
            value = value - float(others.max()) if len(others) else 0.0
        out[name] = value
    return out


def _runner_up(ranked: Sequence[tuple[str, float]], top_doc: str) -> float | None:
    return next((score for doc, score in ranked if doc != top_doc), None)


def confidence_features(top_doc: str, top_cosine: float | None,
                        fused: Sequence[tuple[str, float]], dense: Sequence[tuple[str, float]],
                        bm25_top: str | None,
                        routed: dict[str, float] | None = None,
                        phrasing_cosine: float | None = None,
                        rerank: tuple[float, float, float] | None = None,
                        second_stage: Mapping[str, float] | None = None,
                        row: Sequence[float] = ()) -> ConfidenceFeatures:
    """The features of one search from its ranked chunk lists, best first.

    ``fused`` and ``dense`` are (document id, score) per chunk, before hits are collapsed or cut
    to ``k`` (the confidence must not depend on how many hits the caller asked for);
    ``bm25_top`` is the BM25 arm's best document (None in dense-only mode: no agreement);
    ``routed`` the router's probabilities by document (None: the KB has no router);
    ``phrasing_cosine`` the top document's (``retrieval.router.QuestionRouter.nearest``);
    ``rerank`` the second stage's (top score, margin over the runner-up, margin over the third
    candidate), None without one; ``second_stage`` its view of the top hit
    (``second_stage_values``) and ``row`` the top hit's row of its feature matrix.

    >>> f = confidence_features("a", 0.9, [("a", 1.0), ("b", 0.6)],
    ...                         [("a", 0.9), ("a", 0.88), ("b", 0.85)], bm25_top="a")
    >>> f.arms_agree, round(f.cosine_margin, 2), round(f.fused_margin, 2), f.top_share
    (1.0, 0.05, 0.4, 0.2)
    """
    agree = bool(dense) and bm25_top == dense[0][0] == top_doc
    other_cosine = _runner_up(dense, top_doc)
    other_fused = _runner_up(fused, top_doc)
    lift = (phrasing_cosine - top_cosine
            if top_cosine is not None and phrasing_cosine is not None else 0.0)
    return ConfidenceFeatures(top_cosine, {
        "arms_agree": 1.0 if agree else 0.0,
        "cosine_margin": (top_cosine - other_cosine
                          if top_cosine is not None and other_cosine is not None else 0.0),
        "fused_margin": fused[0][1] - other_fused if fused and other_fused is not None else 0.0,
        "top_share": sum(doc == top_doc for doc, _ in dense[:SHARE_K]) / SHARE_K,
        "router_prob": (routed or {}).get(top_doc, 0.0),
        "phrasing_lift": lift,
        "rerank_score": rerank[0] if rerank else 0.0,
        "rerank_margin": rerank[1] if rerank else 0.0,
        "rerank_margin3": rerank[2] if rerank else 0.0,
        **(second_stage or {}),
    }, tuple(float(v) for v in row))


@dataclass(frozen=True)
class ConfidenceModel:
    """The calibrated curve (saved in the KB's ``settings.json`` under
    ``retrieval.confidence``; a feature without a weight has weight 0)."""

    center: float = 0.86
    scale: float = 40.0
    # Both arms agreeing on the top document is evidence too.
    weights: Mapping[str, float] = field(default_factory=lambda: {"arms_agree": 0.5})

    def __post_init__(self) -> None:
        if self.scale <= 0:
            raise ValueError(f"confidence scale must be positive, got {self.scale}")
        _check_names(self.weights, "weight")
        # One form per curve: the weights in FEATURES order, zeros left out.
        object.__setattr__(self, "weights", {n: float(self.weights[n]) for n in FEATURES
                                             if self.weights.get(n, 0.0) != 0.0})

    def score(self, features: ConfidenceFeatures) -> float:
        """The confidence of one search's features (0 without a top cosine)."""
        if features.top_cosine is None:
            return 0.0
        z = (features.top_cosine - self.center) * self.scale
        for name in FEATURES:
            z += self.weights.get(name, 0.0) * features[name]
        # exp overflows past |z| ≈ 709; the curve is flat there anyway.
        return 1.0 / (1.0 + math.exp(-max(-500.0, min(500.0, z))))

    def to_dict(self) -> dict[str, Any]:
        """The saved form."""
        return {"center": self.center, "scale": self.scale, "weights": dict(self.weights)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConfidenceModel:
        """A saved model, as ``to_dict`` writes it or as earlier versions did (one field per
        weight: ``agreement_bonus``, ``margin_weight``...)."""
        # Before names, a model always had the agreement bonus (0.5 unless fitted).
        weights = dict(data["weights"]) if "weights" in data else {"arms_agree": 0.5}
        weights.update({_OLD_NAMES[k]: float(v) for k, v in data.items() if k in _OLD_NAMES})
        return cls(center=float(data.get("center", cls.center)),
                   scale=float(data.get("scale", cls.scale)), weights=weights)


# The curve fitted for the shipped second stage, and the id of the ranker it was fitted for
# (``retrieval.rerank.LearnedReranker`` over ``default_ranker.txt``).
SHIPPED_CURVE = Path(__file__).with_name("rerank") / "default_confidence.json"
SHIPPED_RANKER = "learned:default"


@cache
def shipped_curve() -> ConfidenceModel:
    """The curve in ``SHIPPED_CURVE`` (read once)."""
    return ConfidenceModel.from_dict(json.loads(SHIPPED_CURVE.read_text(encoding="utf-8")))


def default_confidence(ranker: str | None) -> ConfidenceModel:
    """The curve of a KB that was never calibrated, for a search the second stage ``ranker``
    (its id; None: none) ranked: the shipped stage's own curve, which reads its scores, or the
    first stage's (another ranker's scores are on a scale no shipped curve knows)."""
    return shipped_curve() if ranker == SHIPPED_RANKER else ConfidenceModel()


# A KB's own calibration, when it has enough labelled questions, may be boosted trees over
# everything the search saw of its top hit: the top cosine, the named features and the top
# hit's whole second-stage row (its scores from each arm, ranks, field BM25, coverages and
# lengths). Read in pairs and thresholds, they tell right top hits from wrong ones better than
# a weighted sum of the named features does (LocalgovFAQ, cross-fitted: AUROC 0.77 → 0.82,
# docs/benchmarks.md). The trees live in the KB's ``BOOSTED_FILE``, the curve fitted with them
# stays in its settings and scores the searches that have no second-stage row (the first
# stage alone, a snapshot without the second stage's data).
BOOSTED_FILE = "confidence.txt"
_BOOSTED_HEADER = "# kotae-confidence "  # first line: the inputs the trees read, as JSON


def boosted_inputs(row_names: Sequence[str], leave_out: Sequence[str] = ()) -> list[str]:
    """The trees' inputs, in order, for a second stage whose feature columns are
    ``row_names``; ``leave_out``: named features the trees do not read (a refit's trees leave
    out the raw second-stage score, as its curve does)."""
    return ["top_cosine", *(n for n in FEATURES if n not in leave_out),
            *(f"row:{name}" for name in row_names)]


def boosted_vector(features: ConfidenceFeatures,
                   leave_out: Sequence[str] = ()) -> list[float] | None:
    """The trees' input of one search (``boosted_inputs`` order, without ``leave_out``), None
    when the search has no top cosine or no second-stage row."""
    if features.top_cosine is None or not features.row:
        return None
    return [features.top_cosine, *(features[n] for n in FEATURES if n not in leave_out),
            *features.row]


class BoostedConfidenceError(ValueError):
    """A KB's ``BOOSTED_FILE`` that cannot be used (the message says why and what to do)."""


@dataclass(frozen=True)
class BoostedConfidence:
    """A KB's calibrated trees (``booster``: a LightGBM binary model over ``inputs``) and the
    curve ``fallback`` for searches without a second-stage row. Thread-safe (LightGBM's
    predict is)."""

    booster: Any
    inputs: tuple[str, ...]
    fallback: ConfidenceModel

    @cached_property
    def left_out(self) -> tuple[str, ...]:
        """The named features the trees do not read."""
        return tuple(n for n in FEATURES if n not in self.inputs)

    def score(self, features: ConfidenceFeatures) -> float:
        vector = boosted_vector(features, self.left_out)
        if vector is None or len(vector) != len(self.inputs):
            return self.fallback.score(features)
        return float(self.booster.predict(np.asarray([vector], dtype=np.float64),
                                          num_threads=1)[0])

    def to_dict(self) -> dict[str, Any]:
        """The saved form in the settings: the fallback curve and the trees' file name."""
        return {**self.fallback.to_dict(), "boosted": BOOSTED_FILE}

    def save(self, kb_dir: str | Path) -> Path:
        """Write the trees to the KB's ``BOOSTED_FILE`` (the settings hold the rest)."""
        path = Path(kb_dir) / BOOSTED_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(_BOOSTED_HEADER + json.dumps({"inputs": list(self.inputs)}) + "\n"
                       + self.booster.model_to_string(), encoding="utf-8")
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, kb_dir: str | Path, fallback: ConfidenceModel,
             row_names: Sequence[str]) -> BoostedConfidence:
        """The KB's trees, for a second stage whose feature columns are ``row_names``."""
        import lightgbm as lgb

        path = Path(kb_dir) / BOOSTED_FILE
        try:
            header, _, body = path.read_text(encoding="utf-8").partition("\n")
            if not header.startswith(_BOOSTED_HEADER):
                raise ValueError("no kotae header line")
            inputs = tuple(json.loads(header[len(_BOOSTED_HEADER):])["inputs"])
            left_out = [n for n in FEATURES if n not in inputs]
            if list(inputs) != boosted_inputs(row_names, left_out):
                raise ValueError("it reads features this version computes differently")
            booster = lgb.Booster(model_str=body)
        except (OSError, ValueError, KeyError, lgb.basic.LightGBMError) as exc:
            raise BoostedConfidenceError(
                f"calibrated confidence {path} is unusable ({exc}); calibrate the KB again "
                "with `kotae eval deflection`, or delete the file to use its curve") from exc
        return cls(booster, inputs, fallback)
