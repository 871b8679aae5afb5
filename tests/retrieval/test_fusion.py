"""Fusion of ranked lists: hand-checked cases, order independence, weights."""

from __future__ import annotations

import random

import pytest

from kotae.retrieval import FUSIONS, convex_fusion, reciprocal_rank_fusion

RUNS = {
    "bm25": {"a": 3.0, "b": 2.0, "c": 1.0},
    "dense": {"b": 0.9, "c": 0.8, "d": 0.1},
}


def _shuffled(runs: dict[str, dict[str, float]], seed: int) -> dict[str, dict[str, float]]:
    rnd = random.Random(seed)
    arms = list(runs.items())
    rnd.shuffle(arms)
    out = {}
    for arm, scores in arms:
        items = list(scores.items())
        rnd.shuffle(items)
        out[arm] = dict(items)
    return out


def test_rrf_hand_checked() -> None:
    fused = dict(reciprocal_rank_fusion(RUNS, k=60))
    assert fused == pytest.approx({
        "a": 1 / 61,
        "b": 1 / 62 + 1 / 61,
        "c": 1 / 63 + 1 / 62,
        "d": 1 / 63,
    })
    assert [item for item, _ in reciprocal_rank_fusion(RUNS, k=60)] == ["b", "c", "a", "d"]


def test_rrf_uses_ranks_not_scores() -> None:
    scaled = {"bm25": {k: v * 1000 for k, v in RUNS["bm25"].items()}, "dense": RUNS["dense"]}
    assert reciprocal_rank_fusion(scaled) == reciprocal_rank_fusion(RUNS)


def test_rrf_k_zero_and_negative() -> None:
    # y: 1/(1+2) from arm a, 1/(1+1) from arm b; x: 1/(1+1) from arm a.
    assert reciprocal_rank_fusion({"a": {"x": 3.0, "y": 1.0}, "b": {"y": 0.9}}, k=1) == [
        ("y", pytest.approx(1 / 3 + 1 / 2)), ("x", 0.5)]
    assert reciprocal_rank_fusion({"a": {"x": 1.0}}, k=0) == [("x", 1.0)]
    with pytest.raises(ValueError, match="k"):
        reciprocal_rank_fusion(RUNS, k=-1)


def test_convex_hand_checked() -> None:
    fused = convex_fusion(RUNS, weights={"bm25": 0.4, "dense": 0.6})
    # bm25 normalised: a 1, b .5, c 0; dense normalised: b 1, c 0.875, d 0.
    expected = {"a": 0.4, "b": 0.4 * 0.5 + 0.6, "c": 0.6 * 0.875, "d": 0.0}
    assert dict(fused) == pytest.approx(expected)
    assert [item for item, _ in fused] == ["b", "c", "a", "d"]


def test_convex_single_item_arm_counts_fully_and_empty_arm_is_ignored() -> None:
    assert convex_fusion({"bm25": {"x": 7.5}, "dense": {}}) == [("x", 1.0)]
    assert convex_fusion({"bm25": {}, "dense": {}}) == []


def test_ties_are_broken_by_item_id() -> None:
    runs = {"bm25": {"z": 1.0, "m": 1.0, "a": 1.0}}
    assert [i for i, _ in convex_fusion(runs)] == ["a", "m", "z"]
    assert [i for i, _ in reciprocal_rank_fusion(runs)] == ["a", "m", "z"]


@pytest.mark.parametrize("name", sorted(FUSIONS))
@pytest.mark.parametrize("seed", range(5))
def test_order_independence(name: str, seed: int) -> None:
    fuse = FUSIONS[name]
    runs = {
        "bm25": {f"d{i}": float(i % 4) for i in range(12)},  # many ties
        "dense": {f"d{i}": 1.0 - i / 20 for i in range(6, 18)},
    }
    assert fuse(_shuffled(runs, seed)) == fuse(runs)


@pytest.mark.parametrize("name", sorted(FUSIONS))
def test_zero_weight_silences_an_arm(name: str) -> None:
    fuse = FUSIONS[name]
    fused = fuse(RUNS, weights={"bm25": 0.0, "dense": 1.0})
    assert dict(fused)["a"] == 0.0  # found by bm25 only
    assert [item for item, _ in fused if item != "a"] == ["b", "c", "d"]  # the dense order


@pytest.mark.parametrize("name", sorted(FUSIONS))
def test_heavier_weight_decides_disagreement(name: str) -> None:
    fuse = FUSIONS[name]
    runs = {"bm25": {"x": 2.0, "y": 1.0}, "dense": {"y": 0.9, "x": 0.5}}
    assert fuse(runs, weights={"bm25": 0.8, "dense": 0.2})[0][0] == "x"
    assert fuse(runs, weights={"bm25": 0.2, "dense": 0.8})[0][0] == "y"


def test_missing_weight_defaults_to_one() -> None:
    assert convex_fusion(RUNS, weights={"bm25": 1.0}) == convex_fusion(RUNS)
    assert reciprocal_rank_fusion(RUNS, weights={"dense": 1.0}) == reciprocal_rank_fusion(RUNS)


def test_convex_fusion_adds_probabilities_as_they_are() -> None:
    runs = {"bm25": {"x": 2.0, "y": 1.0}, "router": {"y": 0.3, "z": 0.1}}
    fused = dict(convex_fusion(runs, probabilities=("router",)))
    # min-max would give the unsure router's top item 1.0 and its last 0.0
    assert fused == pytest.approx({"x": 1.0, "y": 0.3, "z": 0.1})
    assert dict(convex_fusion(runs))["y"] == pytest.approx(1.0)
