"""The precision / coverage sweep, the threshold choice and the calibration, on hand-made
samples (the end-to-end run is in test_eval_e2e.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from kotae.app.cli.eval import eval_app
from kotae.eval.calibrate import CalibrationError, fit_confidence, rescore, save_calibration
from kotae.eval.deflection import (
    Sample,
    auroc,
    bounded_threshold,
    choose_threshold,
    point_at,
    sweep,
)
from kotae.eval.deflection_report import choose, run_deflection_eval
from kotae.retrieval import ConfidenceModel, RetrievalConfig
from kotae.retrieval.confidence import ConfidenceFeatures


def feat(cosine: float, agree: bool = False, **named: float) -> ConfidenceFeatures:
    return ConfidenceFeatures(cosine, {"arms_agree": float(agree), **named})


def _s(qid: str, conf: float, correct: bool, in_scope: bool = True) -> Sample:
    return Sample(qid, in_scope, correct, conf, feat(conf))


SAMPLES = [_s("a", 0.95, True), _s("b", 0.9, True), _s("c", 0.8, False), _s("d", 0.7, True),
           _s("e", 0.6, False, in_scope=False), _s("f", 0.3, False, in_scope=False)]


def test_sweep_by_hand() -> None:
    points = sweep([s.confidence for s in SAMPLES], SAMPLES)
    assert [p.threshold for p in points] == [0.3, 0.6, 0.7, 0.8, 0.9, 0.95]
    at_07 = point_at(points, 0.7)
    assert at_07 is not None
    assert (at_07.answered, at_07.correct) == (4, 3)
    assert at_07.precision == pytest.approx(0.75) and at_07.coverage == pytest.approx(4 / 6)
    assert at_07.oos_recall == 1.0  # both out-of-scope queries are below 0.7
    assert point_at(points, 0.5).oos_recall == pytest.approx(0.5)  # type: ignore[union-attr]
    chosen = choose_threshold(points, 0.9)
    assert chosen is not None and chosen.threshold == 0.9 and chosen.precision == 1.0
    assert choose_threshold(points, 1.01) is None


def test_equal_confidences_are_answered_together() -> None:
    samples = [_s("a", 0.5, True), _s("b", 0.5, False)]
    points = sweep([0.5, 0.5], samples)
    assert len(points) == 1 and points[0].answered == 2 and points[0].precision == 0.5


def test_fit_recovers_a_rising_curve_and_saves_it(tmp_path: Path) -> None:
    samples = [Sample(str(i), True, cos > 0.85 if i % 7 else cos <= 0.85, 0.5,
                      feat(cos, i % 2 == 0))
               for i, cos in enumerate(x / 100 for x in range(70, 100))]
    model = fit_confidence(samples)
    assert model.scale > 0 and 0.8 < model.center < 0.9
    saved = save_calibration(tmp_path, 0.73, model)
    loaded = RetrievalConfig.load(tmp_path)
    assert loaded == saved and loaded.answer_threshold == 0.73
    assert loaded.confidence == model


def test_save_threshold_keeps_the_current_curve(tmp_path: Path) -> None:
    save_calibration(tmp_path, 0.6)  # a threshold goes with the curve it was chosen on
    assert RetrievalConfig.load(tmp_path).confidence == ConfidenceModel()
    save_calibration(tmp_path, 0.7, ConfidenceModel(center=0.8))
    save_calibration(tmp_path, 0.6)
    assert RetrievalConfig.load(tmp_path).confidence == ConfidenceModel(center=0.8)


def test_fit_needs_both_outcomes() -> None:
    with pytest.raises(CalibrationError, match="both right and wrong"):
        fit_confidence([_s("a", 0.9, True), _s("b", 0.8, True)])


def test_fit_weighs_the_margin_when_it_tells_right_from_wrong() -> None:
    # Right top hits have slightly higher cosines and are clearly ahead of the runner-up.
    rng = np.random.default_rng(0)
    samples = [Sample(str(i), True, right, 0.5, feat(
        0.85 + 0.01 * right + rng.normal(0, 0.03),
        cosine_margin=(0.05 if right else 0.01) + rng.normal(0, 0.02)))
               for i, right in enumerate(rng.random(300) < 0.7)]
    model = fit_confidence(samples)
    assert model.weights["cosine_margin"] > 0 and model.scale > 0
    assert "fused_margin" not in model.weights and "top_share" not in model.weights  # constant
    old = fit_confidence([dataclasses.replace(s, features=feat(s.top_cosine))
                          for s in samples])
    assert auroc(rescore(samples, model), samples) > auroc(rescore(samples, old), samples) + 0.1


def test_fit_for_more_out_of_scope_traffic_is_stricter() -> None:
    samples = [Sample(str(i), True, cos >= 0.84, 0.5, feat(cos))
               for i, cos in enumerate(x / 100 for x in range(70, 100))]
    samples += [Sample(f"o{i}", False, False, 0.5, feat(0.86 + i / 100)) for i in range(3)]
    plain, weighted = fit_confidence(samples), fit_confidence(samples, oos_weight=10.0)
    assert weighted.center > plain.center
    with pytest.raises(ValueError, match="oos_weight"):
        fit_confidence(samples, oos_weight=0.0)


def _noisy(n: int = 60) -> list[Sample]:
    """Confidence falling; right except every 6th query from rank 12 on."""
    return [_s(f"q{i}", 0.99 - i / 100, i < 12 or i % 6 != 0) for i in range(n)]


def test_the_default_choice_is_the_bootstrap_bound() -> None:
    samples = _noisy()
    conf = [s.confidence for s in samples]
    points = sweep(conf, samples)
    point = choose(conf, samples, points, 0.85, None)
    assert point == choose_threshold(points, 0.85) == choose(conf, samples, points, 0.85, 0)
    bounded = choose(conf, samples, points, 0.85, 0.9)
    assert point is not None and bounded is not None
    assert bounded.threshold == bounded_threshold(conf, samples, 0.85, 0.9)  # seeded
    assert bounded.threshold > point.threshold and bounded.coverage < point.coverage
    assert bounded.precision >= 0.85 and point.precision >= 0.85
    assert bounded_threshold(conf, samples, 0.85, 0.95) >= bounded.threshold  # type: ignore
    assert choose(conf, samples, points, 1.01, 0.9) is None


def test_out_of_scope_weight_raises_the_bound() -> None:
    samples = _noisy(40)
    samples[3] = _s("o", 0.96, False, in_scope=False)  # one out-of-scope query near the top
    conf = [s.confidence for s in samples]
    plain = bounded_threshold(conf, samples, 0.8, 0.9)
    heavier = bounded_threshold(conf, samples, 0.8, 0.9, oos_weight=3.0)
    assert plain is not None and heavier is not None and heavier > plain


def test_a_bad_level_is_refused_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="level"):
        run_deflection_eval(tmp_path, tmp_path / "r", level=0.3)


def test_cli_documents_the_level_option() -> None:
    result = CliRunner().invoke(eval_app, ["deflection", "--help"], terminal_width=200)
    text = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 0 and "--level" in text and "0: on the queries as drawn" in text


def test_a_threshold_saved_alone_keeps_the_hand_set_curve(tmp_path: Path) -> None:
    """Settings written before a curve shipped with the second stage: a `--no-fit` threshold
    was saved alone, chosen on the hand-set curve, and stays with it; a file without a
    threshold is not calibrated (the stages' default applies)."""
    (tmp_path / "settings.json").write_text('{"retrieval": {"answer_threshold": 0.93}}',
                                            encoding="utf-8")
    assert RetrievalConfig.load(tmp_path).confidence == ConfidenceModel()
    (tmp_path / "settings.json").write_text('{"retrieval": {"rrf_k": 30}}', encoding="utf-8")
    assert RetrievalConfig.load(tmp_path).confidence is None
