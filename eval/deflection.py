"""The deflection eval: when may kotae answer on its own?

Every query (in scope or not) goes through the searcher; kotae "answers" when its confidence is
at least a threshold ``t``. An answer is correct when the top hit is relevant (grade ≥
``min_grade``); an out-of-scope query is never answered correctly. Sweeping ``t`` gives the
precision / coverage curve. The chosen threshold is the smallest whose precision reaches the
target in ``level`` (default 90 %) of 200 bootstrap resamples of the queries
(``bounded_threshold``): one that just reaches the target on the queries as drawn (the point
estimate, ``choose_threshold``; ``level`` 0) falls short on new queries about half of the time.
The curve is computed twice: with the KB's current confidence model, and with one
fitted by logistic regression on the search's confidence features (top cosine, arms agree,
margins over the runner-up, top share) → correct (see ``calibrate``).

Example:
    >>> samples = collect_samples(data, searcher, kb.corpus_id)
    >>> points = sweep([s.confidence for s in samples], samples)
    >>> bounded_threshold([s.confidence for s in samples], samples, 0.9)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from kotae.eval.beir import BeirDataset
from kotae.retrieval import Audience, Searcher
from kotae.retrieval.confidence import ConfidenceFeatures

Progress = Callable[[str, int, int], None]
DEFAULT_LEVEL = 0.9  # bootstrap confidence that the chosen threshold reaches the target


@dataclass(frozen=True)
class Sample:
    """One query's outcome: is it in scope, is the top hit right, the confidence it got and
    the features that confidence came from (None in a BM25-only search)."""

    qid: str
    in_scope: bool
    correct: bool
    confidence: float
    features: ConfidenceFeatures | None = None

    @property
    def top_cosine(self) -> float | None:
        return self.features.top_cosine if self.features is not None else None


@dataclass(frozen=True)
class CurvePoint:
    threshold: float
    precision: float  # correct answers / answers
    coverage: float  # answered queries / all queries
    answered: int
    correct: int
    oos_recall: float | None  # out-of-scope queries held back / all out-of-scope queries


def collect_samples(data: BeirDataset, searcher: Searcher, to_corpus: Callable[[str], str],
                    min_grade: int = 1, on_progress: Progress | None = None) -> list[Sample]:
    """Search every query as the product does (``default``: the fused arms, then the second
    stage) and record its outcome (see the module docstring)."""
    out: list[Sample] = []
    queries = data.queries
    for n, (qid, text) in enumerate(queries.items(), start=1):
        grades = data.qrels.get(qid, {})
        result = searcher.search(text, audience=Audience.AGENT, k=10, mode="default",
                                 snippets=False)
        top = result.hits[0] if result.hits else None
        correct = top is not None and grades.get(to_corpus(top.doc_id), 0) >= min_grade
        out.append(Sample(qid, any(g > 0 for g in grades.values()), correct,
                          result.confidence, result.features))
        if on_progress and (n % 10 == 0 or n == len(queries)):
            on_progress("queries (deflection)", n, len(queries))
    return out


def sweep(confidences: Sequence[float], samples: Sequence[Sample]) -> list[CurvePoint]:
    """Precision, coverage and OOS recall at every distinct confidence, threshold ascending."""
    conf = np.asarray(confidences, dtype=np.float64)
    correct = np.array([s.correct for s in samples], dtype=np.int64)
    oos = np.array([not s.in_scope for s in samples], dtype=np.int64)
    order = np.argsort(-conf, kind="stable")
    conf, correct, oos = conf[order], np.cumsum(correct[order]), np.cumsum(oos[order])
    total, total_oos = len(conf), int(oos[-1]) if len(conf) else 0
    points = []
    for i in range(len(conf)):
        if i + 1 < len(conf) and conf[i + 1] == conf[i]:
            continue  # the last index of a run of equal confidences answers all of them
        answered = i + 1
        points.append(CurvePoint(
            threshold=float(conf[i]), precision=float(correct[i]) / answered,
            coverage=answered / total, answered=answered, correct=int(correct[i]),
            oos_recall=(1 - int(oos[i]) / total_oos) if total_oos else None))
    return points[::-1]


def choose_threshold(points: Sequence[CurvePoint], target: float = 0.9) -> CurvePoint | None:
    """The smallest threshold whose precision reaches ``target`` (None if none does)."""
    return next((p for p in points if p.precision >= target), None)


def bounded_threshold(confidences: Sequence[float], samples: Sequence[Sample], target: float,
                      level: float = DEFAULT_LEVEL, oos_weight: float = 1.0,
                      resamples: int = 200, seed: int = 0) -> float | None:
    """The smallest threshold whose precision reaches ``target`` in ``level`` of ``resamples``
    bootstrap resamples of the samples (None if none does); seeded, so repeatable.

    ``oos_weight`` counts each out-of-scope answer that many times, for a share of out-of-scope
    traffic other than the samples' own.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    n = len(samples)
    if n == 0:
        return None
    conf = np.asarray(confidences, dtype=np.float64)
    order = np.argsort(-conf, kind="stable")
    correct = np.array([s.correct for s in samples], dtype=np.float64)[order]
    cost = np.array([1.0 if s.in_scope else oos_weight for s in samples])[order]
    counts = np.random.default_rng(seed).multinomial(n, np.full(n, 1 / n), size=resamples)
    counts = counts[:, order]
    precision = (np.cumsum(counts * correct, axis=1)
                 / np.maximum(np.cumsum(counts * cost, axis=1), 1e-12))
    low = np.quantile(precision, 1 - level, axis=0)
    last_of_tie = np.append(conf[order][1:] < conf[order][:-1], True)
    ok = np.flatnonzero((low >= target) & last_of_tie)
    return float(conf[order][ok[-1]]) if len(ok) else None


def point_at(points: Sequence[CurvePoint], threshold: float) -> CurvePoint | None:
    """The operating point of ``threshold``: answer every query with confidence ≥ it."""
    return next((p for p in points if p.threshold >= threshold), None)


def auroc(confidences: Sequence[float], samples: Sequence[Sample]) -> float | None:
    """How well confidence ranks correct answers above the rest (None with one class only)."""
    labels = [s.correct for s in samples]
    if all(labels) or not any(labels):
        return None
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, confidences))
