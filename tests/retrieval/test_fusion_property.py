"""Fusion is order-independent (hypothesis): the fused ranking and scores are exactly the same
whatever order the arms come in and whatever order each arm lists its hits, ties included.

Scores are drawn from a handful of values so that ties (inside an arm and in the fused scores)
are common, and item ids from a small set so that the arms overlap.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from kotae.retrieval import convex_fusion, reciprocal_rank_fusion

ITEMS = st.sampled_from([f"{n:02d}" for n in range(12)])
SCORES = st.one_of(
    st.sampled_from([0.0, 0.5, 1.0, 2.0, -1.0, 1e-9, 0.1 + 0.2]),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False))
ARM = st.dictionaries(ITEMS, SCORES, max_size=10)
RUNS = st.dictionaries(st.sampled_from(["bm25", "dense", "sparse", "title"]), ARM, max_size=4)
WEIGHTS = st.one_of(st.none(), st.dictionaries(
    st.sampled_from(["bm25", "dense", "sparse", "title"]),
    st.sampled_from([0.0, 0.3, 0.5, 0.7, 1.0, 2.0]), max_size=4))
PROPERTY = settings(max_examples=200, deadline=None)


def shuffled(runs: dict[str, dict[str, float]], rnd: random.Random) -> dict[str, dict[str, float]]:
    """The same runs with the arms and each arm's hits in another order."""
    arms = list(runs.items())
    rnd.shuffle(arms)
    out = {}
    for arm, scores in arms:
        hits = list(scores.items())
        rnd.shuffle(hits)
        out[arm] = dict(hits)
    return out


def well_formed(fused: list[tuple[str, float]], runs: dict[str, dict[str, float]]) -> None:
    assert {item for item, _ in fused} == {item for scores in runs.values() for item in scores}
    assert fused == sorted(fused, key=lambda kv: (-kv[1], kv[0]))  # ties: by item id


@PROPERTY
@given(runs=RUNS, weights=WEIGHTS, k=st.integers(0, 100), rnd=st.randoms(use_true_random=False))
def test_rrf_does_not_depend_on_input_order(runs, weights, k, rnd) -> None:
    fused = reciprocal_rank_fusion(runs, k=k, weights=weights)
    well_formed(fused, runs)
    assert reciprocal_rank_fusion(shuffled(runs, rnd), k=k, weights=weights) == fused


@PROPERTY
@given(runs=RUNS, weights=WEIGHTS, rnd=st.randoms(use_true_random=False))
def test_convex_fusion_does_not_depend_on_input_order(runs, weights, rnd) -> None:
    fused = convex_fusion(runs, weights=weights)
    well_formed(fused, runs)
    assert convex_fusion(shuffled(runs, rnd), weights=weights) == fused


def test_three_arms_sum_the_same_way_in_any_order() -> None:
    # Found by the tests above: 0.1 + 0.2 + 0.3 is not 0.3 + 0.2 + 0.1 in floats, so "x"
    # ranked above "y" (exactly 0.6) or tied with it depending on the order of the arms.
    weights = {"a": 0.1, "b": 0.2, "c": 0.3, "d": 0.6}
    runs = {"a": {"x": 1.0}, "b": {"x": 1.0}, "c": {"x": 1.0}, "d": {"y": 1.0}}
    backwards = dict(reversed(runs.items()))
    assert reciprocal_rank_fusion(runs, k=0, weights=weights) == reciprocal_rank_fusion(
        backwards, k=0, weights=weights)
    assert convex_fusion(runs, weights=weights) == convex_fusion(backwards, weights=weights)
