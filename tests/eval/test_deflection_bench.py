"""The deflection benchmark's own arithmetic: the threshold for a given out-of-scope share and
the metrics of a run (the benchmark itself runs on the real datasets, see the README)."""

from __future__ import annotations

import pytest

from eval.deflection import Sample
from eval.deflection_bench import (
    Calibration,
    bounded_threshold,
    oos_weight,
    summarise,
    weighted_threshold,
)


def sample(in_scope: bool, correct: bool) -> Sample:
    return Sample("q", in_scope, correct, 0.0, 0.9, False)


def test_more_out_of_scope_traffic_asks_for_a_higher_threshold():
    # confidence: 0.9 right, 0.8 out of scope, 0.7 right, 0.6 right, 0.5 out of scope
    samples = [sample(True, True), sample(False, False), sample(True, True),
               sample(True, True), sample(False, False)]
    conf = [0.9, 0.8, 0.7, 0.6, 0.5]
    assert weighted_threshold(conf, samples, 0.75, oos_share=0.0) == 0.6  # 3 of 4 right
    # At 45% out-of-scope traffic (40% of the set) 0.6 no longer reaches 75% precision.
    assert weighted_threshold(conf, samples, 0.75, oos_share=0.45) == 0.9
    assert weighted_threshold(conf, samples, 1.01, oos_share=0.2) is None


def test_summary_of_decisions_and_of_another_threshold():
    rows = [{"answered": True, "confidence": 0.9, "top_correct": True, "in_scope": True,
             "partial": False},
            {"answered": True, "confidence": 0.6, "top_correct": False, "in_scope": False,
             "partial": False},
            {"answered": False, "confidence": 0.3, "top_correct": True, "in_scope": True,
             "partial": False},
            {"answered": False, "confidence": 0.2, "top_correct": False, "in_scope": False,
             "partial": True}]
    got = summarise(rows)
    assert (got["precision"], got["coverage"], got["oos_recall"]) == (0.5, 0.5, 0.0)
    assert got["in_scope_accuracy"] == 0.5 and got["partial_handed_off"] == 1.0
    strict = summarise(rows, threshold=0.8)
    assert (strict["precision"], strict["coverage"], strict["oos_recall"]) == (1.0, 0.25, 1.0)


def test_out_of_scope_weight_for_a_traffic_share():
    samples = [sample(True, True)] * 6 + [sample(False, False)] * 2
    assert oos_weight(samples, 0.25) == 1.0  # 2 of 8 already
    assert oos_weight(samples, 0.5) == 3.0  # 2 × 3 = 6 in-scope
    assert oos_weight(samples, 0.0) == 1.0 and oos_weight(samples[:6], 0.2) == 1.0


def test_a_bounded_threshold_is_more_careful_than_the_point_estimate():
    # 40 queries, confidence falling; right except every 5th from rank 10 on.
    samples = [sample(True, i < 10 or i % 5 != 0) for i in range(40)]
    conf = [1 - i / 40 for i in range(40)]
    point = weighted_threshold(conf, samples, 0.85, oos_share=0.0)
    bounded = bounded_threshold(conf, samples, 0.85, oos_share=0.0, level=0.9)
    assert point is not None and bounded is not None and bounded > point
    assert bounded == bounded_threshold(conf, samples, 0.85, oos_share=0.0, level=0.9)  # seeded
    assert bounded_threshold(conf, samples, 1.01, oos_share=0.0, level=0.9) is None


def test_calibration_options_are_checked():
    assert Calibration().level is None and not Calibration().weighted_fit
    with pytest.raises(ValueError, match="level"):
        Calibration(level=0.3)
    with pytest.raises(ValueError, match="oos_share"):
        Calibration(oos_share=1.0)
