"""Fusion of ranked lists from several retrievers (pure functions).

Both take ``{arm: {item: score}}`` and return ``[(item, fused_score)]`` best first; ties are
broken by item id and arms are summed in name order (float addition is not associative), so
the result does not depend on input order, bit for bit.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping


def reciprocal_rank_fusion(runs: Mapping[str, Mapping[str, float]], k: int = 60,
                           weights: Mapping[str, float] | None = None) -> list[tuple[str, float]]:
    """RRF (Cormack et al. 2009): sum of weight / (k + rank) over the arms that found an item.

    >>> reciprocal_rank_fusion({"a": {"x": 3.0, "y": 1.0}, "b": {"y": 0.9}}, k=1)
    [('y', 0.8333333333333333), ('x', 0.5)]
    """
    if k < 0:
        raise ValueError(f"k must be non-negative, got {k}")
    fused: dict[str, float] = {}
    for arm, scores in sorted(runs.items()):
        w = 1.0 if weights is None else weights.get(arm, 1.0)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        for rank, (item, _) in enumerate(ranked, start=1):
            fused[item] = fused.get(item, 0.0) + w / (k + rank)
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))


def convex_fusion(runs: Mapping[str, Mapping[str, float]],
                  weights: Mapping[str, float] | None = None,
                  probabilities: Collection[str] = ()) -> list[tuple[str, float]]:
    """Weighted sum of min-max normalised scores; an arm that missed an item contributes 0.

    The arms named in ``probabilities`` score in [0, 1] already and are added as they are: an
    unsure question router must not count as much as a sure one (min-max would give its top
    item 1 either way).

    >>> convex_fusion({"a": {"x": 2.0, "y": 1.0}, "b": {"x": 0.5, "y": 0.7}})
    [('x', 1.0), ('y', 1.0)]
    """
    fused: dict[str, float] = {}
    for arm, scores in sorted(runs.items()):
        if not scores:
            continue
        w = 1.0 if weights is None else weights.get(arm, 1.0)
        lo, hi = min(scores.values()), max(scores.values())
        span = hi - lo
        for item, s in scores.items():
            if arm in probabilities:
                norm = min(1.0, max(0.0, s))
            else:
                norm = (s - lo) / span if span > 0 else 1.0
            fused[item] = fused.get(item, 0.0) + w * norm
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))


FUSIONS = {"rrf": reciprocal_rank_fusion, "convex": convex_fusion}
