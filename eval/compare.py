"""``kotae eval compare A B``: per-metric deltas between two results.json, and the queries
that got worse.

Example:
    >>> cmp = compare_results(read_results("before/"), read_results("after/"))
    >>> [d for d in cmp.deltas if d.worse], cmp.worse_queries[:5]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_LOWER_IS_BETTER = {"p50", "p95", "p99", "seconds", "embed_seconds", "errors"}


def lower_is_better(metric: str) -> bool:
    """Latencies, durations and error counts improve downwards; everything else upwards."""
    return metric.endswith("_ms") or metric in _LOWER_IS_BETTER


@dataclass(frozen=True)
class MetricDelta:
    group: str
    metric: str
    a: float | None
    b: float | None

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a

    def worse(self, tolerance: float = 0.0) -> bool:
        d = self.delta
        if d is None:
            return False
        return d > tolerance if lower_is_better(self.metric) else d < -tolerance


@dataclass(frozen=True)
class QueryChange:
    group: str
    qid: str
    metric: str
    a: float
    b: float

    @property
    def delta(self) -> float:
        return self.b - self.a


@dataclass
class Comparison:
    deltas: list[MetricDelta] = field(default_factory=list)
    worse_queries: list[QueryChange] = field(default_factory=list)
    better_queries: dict[str, int] = field(default_factory=dict)  # group -> count
    warnings: list[str] = field(default_factory=list)

    def regressions(self, tolerance: float = 0.0) -> list[MetricDelta]:
        return [d for d in self.deltas if d.worse(tolerance)]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _warnings(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    out = []
    if a.get("kind") != b.get("kind"):
        out.append(f"comparing a {a.get('kind')!r} result with a {b.get('kind')!r} result")
    fa, fb = (r.get("dataset", {}).get("fingerprint") for r in (a, b))
    if fa and fb and fa != fb:
        out.append(f"different datasets (fingerprints {fa} vs {fb}): deltas mix data and code")
    if a.get("embedder") != b.get("embedder"):
        out.append(f"different embedders: {a.get('embedder')} vs {b.get('embedder')}")
    return out


def compare_results(a: dict[str, Any], b: dict[str, Any], query_metric: str = "ndcg@10",
                    tolerance: float = 1e-9) -> Comparison:
    """Compare result ``a`` (before) with ``b`` (after).

    Deltas cover every numeric metric of every group in either file. Per-query changes use
    ``query_metric`` (or the first metric a group has) on the queries both files scored.
    """
    out = Comparison(warnings=_warnings(a, b))
    ma, mb = a.get("metrics", {}), b.get("metrics", {})
    for group in list(dict.fromkeys([*ma, *mb])):
        ga, gb = ma.get(group, {}), mb.get(group, {})
        for metric in list(dict.fromkeys([*ga, *gb])):
            out.deltas.append(MetricDelta(group, metric, _number(ga.get(metric)),
                                          _number(gb.get(metric))))
    pa, pb = a.get("per_query", {}), b.get("per_query", {})
    for group in [g for g in pa if g in pb]:
        better = 0
        for qid in [q for q in pa[group] if q in pb[group]]:
            qa, qb = pa[group][qid], pb[group][qid]
            metric = query_metric if query_metric in qa else next(iter(qa), None)
            if metric is None or metric not in qb:
                continue
            va, vb = _number(qa[metric]), _number(qb[metric])
            if va is None or vb is None:
                continue
            if vb < va - tolerance:
                out.worse_queries.append(QueryChange(group, qid, metric, va, vb))
            elif vb > va + tolerance:
                better += 1
        out.better_queries[group] = better
    out.worse_queries.sort(key=lambda c: (c.delta, c.group, c.qid))
    return out
