"""Retrieval metrics from ranx (no hand-written formulas), mean and per query.

Metric names are ranx's (``ndcg@10``, ``recall@100``, ``mrr@10``), except that ranx's
``hit_rate@k`` is reported as ``hit@k``. nDCG uses ranx's ``ndcg``: linear gains (Järvelin &
Kekäläinen), as trec_eval does. Any grade above 0 counts as relevant for recall, MRR and hit.

Example:
    >>> result = evaluate_run({"q1": {"d1": 1}}, {"q1": {"d1": 2.0, "d2": 1.0}})
    >>> result.mean["ndcg@10"], result.per_query["q1"]["hit@1"]
    (1.0, 1.0)
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DEFAULT_METRICS = ("ndcg@10", "recall@10", "recall@100", "mrr@10", "hit@1")

Qrels = Mapping[str, Mapping[str, int]]
Run = Mapping[str, Mapping[str, float]]


@dataclass
class MetricResult:
    mean: dict[str, float]
    per_query: dict[str, dict[str, float]]  # qid -> metric -> value


def ranx_name(metric: str) -> str:
    """Our metric name → ranx's (``hit@1`` → ``hit_rate@1``); others are the same."""
    return "hit_rate" + metric[3:] if metric.startswith("hit@") else metric


def evaluate_run(qrels: Qrels, run: Run,
                 metrics: Sequence[str] = DEFAULT_METRICS) -> MetricResult:
    """Score ``run`` (qid → doc id → score, higher first) against graded ``qrels``.

    Only queries with at least one relevant document are scored; a judged query missing from
    the run scores 0 on every metric.
    """
    judged = {q: {d: int(g) for d, g in docs.items() if g > 0} for q, docs in qrels.items()}
    judged = {q: docs for q, docs in judged.items() if docs}
    if not judged:
        raise ValueError("no query has a relevant document; check the qrels")
    from ranx import Qrels as RanxQrels
    from ranx import Run as RanxRun
    from ranx import evaluate

    names = {m: ranx_name(m) for m in metrics}
    ranx_run = RanxRun.from_dict({q: dict(run.get(q, {})) or {"\0none": 0.0} for q in judged})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's int-cast notices, not about our data
        means = evaluate(RanxQrels.from_dict(judged), ranx_run, list(names.values()))
    if not isinstance(means, dict):  # ranx returns a bare float for a single metric
        means = {names[metrics[0]]: means}
    per_query: dict[str, dict[str, float]] = {q: {} for q in judged}
    for ours, theirs in names.items():
        for qid, value in ranx_run.scores[theirs].items():
            per_query[qid][ours] = float(value)
    return MetricResult(mean={m: float(means[r]) for m, r in names.items()}, per_query=per_query)
