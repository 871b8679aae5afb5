"""Calibration of the KB's confidence: fit the curve, pick the threshold, save both.

kotae's confidence is a logistic curve over the top hit's cosine and the named features of
``retrieval.confidence.FEATURES`` (``retrieval.ConfidenceModel``). A logistic regression of
"the top hit is right" on them has exactly that shape: ``z = a·cos + Σ w·feature + c`` gives
``scale = a``, ``center = -c / a`` and the feature weights as they are. A KB with enough
labelled questions may get boosted trees over the same features and its top hit's whole
second-stage row instead (``fit_boosted``), kept only when they beat the curve on questions
they were not fitted on (``eval.deflection_report``).

Example:
    >>> model = fit_confidence(samples)
    >>> save_calibration(Path("var/kb"), threshold=0.72, confidence=model)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kotae.eval.deflection import CurvePoint, Sample
from kotae.eval.rerank import RankData
from kotae.retrieval import ConfidenceModel, RetrievalConfig
from kotae.retrieval.confidence import (
    BOOSTED_FILE,
    FEATURES,
    BoostedConfidence,
    ConfidenceFeatures,
    boosted_inputs,
    boosted_vector,
    second_stage_values,
)
from kotae.retrieval.rerank import FEATURES as RANK_FEATURES


class CalibrationError(ValueError):
    """The samples cannot calibrate a confidence curve (the message says why)."""


def _row(s: Sample, names: Sequence[str] = tuple(FEATURES)) -> list[float]:
    assert s.features is not None and s.features.top_cosine is not None
    return [s.features.top_cosine, *(s.features[name] for name in names)]


def fit_confidence(samples: Sequence[Sample], oos_weight: float = 1.0,
                   leave_out: Sequence[str] = ()) -> ConfidenceModel:
    """Fit ``ConfidenceModel`` on the samples that have a dense cosine.

    ``oos_weight`` counts each out-of-scope sample that many times, so that the curve is fitted
    for the share of out-of-scope questions the KB will see rather than the one in the samples.
    ``leave_out``: features the curve must not read (weight 0), e.g.
    ``retrieval.confidence.NOT_SHIPPED`` for a curve other KBs will use.
    """
    if oos_weight <= 0:
        raise ValueError(f"oos_weight must be positive, got {oos_weight}")
    unknown = sorted(set(leave_out) - set(FEATURES))
    if unknown:
        raise ValueError(f"unknown confidence features {', '.join(unknown)}")
    names = [n for n in FEATURES if n not in leave_out]
    usable = [s for s in samples if s.top_cosine is not None]
    labels = [int(s.correct) for s in usable]
    if len(set(labels)) < 2:
        raise CalibrationError("need both right and wrong top hits to fit the confidence curve; "
                               "use a dataset with harder or out-of-scope queries")
    from sklearn.linear_model import LogisticRegression

    weights = [1.0 if s.in_scope else oos_weight for s in usable]
    # Weak regularisation: cosines span a narrow range, so the slope is large by nature.
    fit = LogisticRegression(C=1e4, max_iter=5000).fit(
        [_row(s, names) for s in usable], labels, sample_weight=weights)
    slope, *coefs = (float(x) for x in fit.coef_[0])
    intercept = float(fit.intercept_[0])
    if slope <= 0 and any(s.features and s.features["rerank_score"] for s in usable):
        # The second stage's score already holds what the cosine says (it reads it): fit on
        # the named features alone and keep the cosine's slope at a token positive value.
        rows = [_row(s, names)[1:] for s in usable]
        fit = LogisticRegression(C=1e4, max_iter=5000).fit(rows, labels, sample_weight=weights)
        slope, coefs = _TOKEN_SLOPE, [float(x) for x in fit.coef_[0]]
        intercept = float(fit.intercept_[0])
    if slope <= 0:
        raise CalibrationError(f"a higher cosine did not mean a right answer (slope {slope:.3f});"
                               " the confidence curve cannot be fitted on this data")
    return ConfidenceModel(center=-intercept / slope, scale=slope,
                           weights=dict(zip(names, coefs, strict=True)))


_TOKEN_SLOPE = 1e-6  # z = 1e-6·(cos − center) is the fit's intercept, exactly enough in floats


def rescore(samples: Sequence[Sample], model: ConfidenceModel) -> list[float]:
    """Each sample's confidence under ``model`` (as the searcher computes it)."""
    return [model.score(s.features) if s.features is not None else 0.0 for s in samples]


def cross_fit_confidence(samples: Sequence[Sample], folds: int = 5, seed: int = 7,
                         leave_out: Sequence[str] = ()) -> list[float]:
    """Each sample's confidence under a curve fitted on the other folds (by query): the
    honest figure for a fitted curve, which scored on its own samples looks better than it
    will on new questions."""
    order = np.random.default_rng(seed).permutation(len(samples))
    out = [0.0] * len(samples)
    for fold in np.array_split(order, folds):
        held = set(fold.tolist())
        model = fit_confidence([s for i, s in enumerate(samples) if i not in held],
                               leave_out=leave_out)
        for i in held:
            features = samples[i].features
            out[i] = model.score(features) if features is not None else 0.0
    return out


# Boosted trees for a KB's own confidence (``BoostedConfidence``): small and slow-learning, for
# a few hundred labelled questions; fitted only with enough of both outcomes.
BOOSTED_PARAMS: dict[str, Any] = dict(
    n_estimators=200, learning_rate=0.03, num_leaves=7, min_child_samples=20, subsample=0.8,
    subsample_freq=1, colsample_bytree=0.8, n_jobs=1, random_state=7, verbose=-1)
MIN_BOOSTED = 200  # labelled questions at least
MIN_BOOSTED_CLASS = 30  # right and wrong top hits each, at least


def _boosted_rows(samples: Sequence[Sample],
                  leave_out: Sequence[str] = ()) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, labels) of the samples that have a second-stage row (an out-of-scope
    question's top hit is a wrong one)."""
    rows, labels = [], []
    for s in samples:
        vector = boosted_vector(s.features, leave_out) if s.features is not None else None
        if vector is not None:
            rows.append(vector)
            labels.append(int(s.correct))
    return np.asarray(rows, dtype=np.float64), np.asarray(labels, dtype=np.int64)


def _enough(labels: np.ndarray) -> None:
    right = int(labels.sum())
    if len(labels) < MIN_BOOSTED or min(right, len(labels) - right) < MIN_BOOSTED_CLASS:
        raise CalibrationError(
            f"boosted confidence needs {MIN_BOOSTED} questions searched with the second stage, "
            f"{MIN_BOOSTED_CLASS} with a right and {MIN_BOOSTED_CLASS} with a wrong top hit; "
            f"got {len(labels)} ({right} right)")


def _trees(samples: Sequence[Sample], fallback: ConfidenceModel,
           leave_out: Sequence[str] = ()) -> BoostedConfidence:
    import lightgbm as lgb

    X, y = _boosted_rows(samples, leave_out)
    inputs = boosted_inputs(tuple(RANK_FEATURES), leave_out)
    if X.shape[1] != len(inputs):
        raise CalibrationError(f"samples have {X.shape[1]} inputs, this version reads "
                               f"{len(inputs)}")
    model = lgb.LGBMClassifier(**BOOSTED_PARAMS).fit(X, y)
    return BoostedConfidence(model.booster_, tuple(inputs), fallback)


def fit_boosted(samples: Sequence[Sample], fallback: ConfidenceModel,
                leave_out: Sequence[str] = ()) -> BoostedConfidence:
    """Boosted trees of "the top hit is right" over ``boosted_inputs`` (the samples' top
    cosines, named features but ``leave_out``, and second-stage rows); ``fallback`` scores
    searches without a row. Raises ``CalibrationError`` with too few samples of either
    outcome."""
    _enough(_boosted_rows(samples)[1])
    return _trees(samples, fallback, leave_out)


def cross_fit_boosted(samples: Sequence[Sample], fallback: ConfidenceModel, folds: int = 5,
                      seed: int = 7, leave_out: Sequence[str] = ()) -> list[float]:
    """Each sample's boosted confidence from trees fitted on the other folds (by query), the
    only honest figure for trees (scored on their own samples they look near perfect);
    ``fallback`` scores the samples without a second-stage row. The samples must be enough
    for ``fit_boosted``; each fold's trees are fitted on four fifths of them."""
    _enough(_boosted_rows(samples)[1])
    order = np.random.default_rng(seed).permutation(len(samples))
    out = [0.0] * len(samples)
    for fold in np.array_split(order, folds):
        held = set(fold.tolist())
        model = _trees([s for i, s in enumerate(samples) if i not in held], fallback,
                       leave_out)
        for i in held:
            features = samples[i].features
            out[i] = model.score(features) if features is not None else 0.0
    return out


def trees_win(trees_auroc: float | None, curve_auroc: float | None,
              trees_at: CurvePoint | None, curve_at: CurvePoint | None) -> bool:
    """The one rule for a KB's boosted trees: kept only when, scored on questions neither was
    fitted on, they rank right top hits above wrong ones better than the curve (AUROC) and
    answer at least as many questions at the operating precision (``trees_at`` and
    ``curve_at``: each one's operating point there)."""
    return (trees_auroc is not None and curve_auroc is not None and trees_auroc > curve_auroc
            and trees_at is not None and (curve_at is None
                                          or trees_at.coverage >= curve_at.coverage))


def save_calibration(kb_dir: Path, threshold: float,
                     confidence: ConfidenceModel | BoostedConfidence | None = None
                     ) -> RetrievalConfig:
    """Write ``answer_threshold`` and the curve it was chosen on into the KB's settings (a
    threshold means nothing without its curve): ``confidence``, else the KB's calibrated one,
    else the hand-set first-stage curve. Boosted trees are written beside the settings
    (``BOOSTED_FILE``); any other confidence removes the trees a former calibration left."""
    config = RetrievalConfig.load(kb_dir)
    confidence = confidence or config.confidence or ConfidenceModel()
    if isinstance(confidence, BoostedConfidence):
        confidence.save(kb_dir)
    else:
        (Path(kb_dir) / BOOSTED_FILE).unlink(missing_ok=True)
    updated = dataclasses.replace(config, answer_threshold=round(float(threshold), 6),
                                  confidence=confidence)
    updated.save(kb_dir)
    return updated


def clear_calibration(kb_dir: Path) -> RetrievalConfig:
    """Remove the KB's curve and threshold (its search goes back to the default curve of its
    stages and the threshold 0.5): for a curve that no longer fits the KB's ranking."""
    config = RetrievalConfig.load(kb_dir)
    (Path(kb_dir) / BOOSTED_FILE).unlink(missing_ok=True)
    updated = dataclasses.replace(config, confidence=None,
                                  answer_threshold=RetrievalConfig().answer_threshold)
    updated.save(kb_dir)
    return updated


def samples_from_ranking(data: RankData, scores: np.ndarray, min_label: int = 2) -> list[Sample]:
    """One sample per query of ``data`` as the searcher would see it with a second stage whose
    scores are ``scores`` (one per row): its top hit is the best-scored candidate, right when
    that candidate's label reaches ``min_label`` (2: it answers), and its confidence features
    are the ones a search computes from its candidates (``retrieval.confidence``): the top
    cosine and its margin over the other candidates, whether BM25 and dense put it first, the
    second stage's score and margins, and what it saw of the top hit (``SECOND_STAGE``). The
    ``KB_SHAPED`` features are left at 0 (fit with
    ``leave_out=KB_SHAPED``). ``scores`` must come from models not fitted on the query
    (``eval.rerank.cross_fit``): a model's scores on its own training queries flatter it."""
    if len(scores) != len(data.label):
        raise ValueError(f"{len(scores)} scores for {len(data.label)} candidates")
    column = {name: i for i, name in enumerate(RANK_FEATURES)}
    dense, bm25_rank, dense_rank, missing = (data.X[:, column[n]] for n in (
        "dense", "bm25_rank", "dense_rank", "bm25_missing"))
    out = []
    for q, qid in enumerate(data.qids):
        rows = np.flatnonzero(data.query == q)
        if not len(rows):
            continue
        order = rows[np.argsort(-scores[rows], kind="stable")]
        top, rest = int(order[0]), order[1:]
        features = ConfidenceFeatures(float(dense[top]), {
            "arms_agree": float(bm25_rank[top] == 0 and dense_rank[top] == 0
                                and not missing[top]),
            "cosine_margin": float(dense[top] - dense[rest].max()) if len(rest) else 0.0,
            "rerank_score": float(scores[top]),
            "rerank_margin": float(scores[top] - scores[rest[0]]) if len(rest) else 0.0,
            "rerank_margin3": float(scores[top] - scores[rest[min(1, len(rest) - 1)]])
            if len(rest) else 0.0,
            **second_stage_values(tuple(RANK_FEATURES), data.X[rows],
                                  int(np.flatnonzero(rows == top)[0]))},
            tuple(float(v) for v in data.X[top]))
        out.append(Sample(qid, True, bool(data.label[top] >= min_label), 0.0, features))
    return out
