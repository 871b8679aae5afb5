"""A KB's boosted confidence: fitted only with enough labelled questions, honest only
cross-fitted, saved beside the settings, served by the searcher, and dropped again by a plain
calibration."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import numpy as np
import pytest

from kotae import open_kb
from kotae.eval.calibrate import (
    MIN_BOOSTED,
    CalibrationError,
    clear_calibration,
    cross_fit_boosted,
    cross_fit_confidence,
    fit_boosted,
    fit_confidence,
    save_calibration,
)
from kotae.eval.deflection import Sample, auroc, point_at, sweep
from kotae.eval.deflection_report import BOOSTED, HELD, _boosted_wins, choose
from kotae.eval.rerank_report import REFIT_LEFT_OUT, refit_confidence
from kotae.kb import Audience
from kotae.retrieval import ConfidenceModel, RetrievalConfig
from kotae.retrieval.confidence import BOOSTED_FILE, BoostedConfidence, ConfidenceFeatures
from kotae.retrieval.rerank import FEATURES as RANK_FEATURES

BAND = list(RANK_FEATURES).index("bm25_rel")  # a row feature no named feature carries


def _samples(n: int, seed: int = 0) -> list[Sample]:
    """Questions whose top hit is right when its BM25 share sits in a middle band (as a
    document of a typical length might), and at random one time in ten; a right top hit has a
    slightly higher cosine. Trees can learn a band, a weighted sum cannot, and the curve does
    not read the row at all: it has the cosine only."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        row = rng.uniform(0.0, 1.0, len(RANK_FEATURES))
        right = bool(0.3 < row[BAND] < 0.7) if rng.random() < 0.9 else bool(rng.random() < 0.5)
        features = ConfidenceFeatures(float(rng.normal(0.85 + 0.01 * right, 0.02)),
                                      {"arms_agree": float(rng.random() < 0.5)}, tuple(row))
        out.append(Sample(f"q{i}", True, right, 0.0, features))
    return out


SAMPLES = _samples(400)


def test_too_few_questions_fit_no_trees() -> None:
    few = SAMPLES[:MIN_BOOSTED - 1]
    with pytest.raises(CalibrationError, match=str(MIN_BOOSTED)):
        fit_boosted(few, fit_confidence(few))
    one_sided = [dataclasses.replace(s, correct=True) for s in SAMPLES]
    with pytest.raises(CalibrationError, match="wrong top hit"):
        fit_boosted(one_sided, ConfidenceModel())


def test_trees_learn_what_the_curve_cannot_on_questions_they_did_not_see() -> None:
    curve = fit_confidence(SAMPLES)
    trees = cross_fit_boosted(SAMPLES, curve)
    assert len(trees) == len(SAMPLES) and all(0.0 <= p <= 1.0 for p in trees)
    by_trees, by_curve = auroc(trees, SAMPLES), auroc(cross_fit_confidence(SAMPLES), SAMPLES)
    assert by_trees is not None and by_curve is not None
    assert by_trees > 0.8 and by_trees > by_curve + 0.1


def test_saved_trees_serve_and_a_plain_calibration_removes_them(tmp_path: Path) -> None:
    curve = fit_confidence(SAMPLES)
    trees = fit_boosted(SAMPLES, curve)
    save_calibration(tmp_path, 0.8, trees)
    assert (tmp_path / BOOSTED_FILE).is_file()
    loaded = RetrievalConfig.load(tmp_path)
    assert isinstance(loaded.confidence, BoostedConfidence) and loaded.answer_threshold == 0.8
    for s in SAMPLES[:20]:
        assert s.features is not None
        assert loaded.confidence.score(s.features) == pytest.approx(trees.score(s.features))
    # A search without a second-stage row is scored by the curve fitted with the trees.
    bare = ConfidenceFeatures(0.9, {"arms_agree": 1.0})
    assert loaded.confidence.score(bare) == pytest.approx(curve.score(bare))
    assert loaded.confidence.score(ConfidenceFeatures(None)) == 0.0
    save_calibration(tmp_path, 0.7, curve)
    assert not (tmp_path / BOOSTED_FILE).exists()
    assert isinstance(RetrievalConfig.load(tmp_path).confidence, ConfidenceModel)
    save_calibration(tmp_path, 0.8, trees)
    clear_calibration(tmp_path)
    assert not (tmp_path / BOOSTED_FILE).exists()
    assert RetrievalConfig.load(tmp_path).confidence is None


def test_unusable_trees_leave_the_curve_serving(tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    curve = fit_confidence(SAMPLES)
    save_calibration(tmp_path, 0.8, fit_boosted(SAMPLES, curve))
    (tmp_path / BOOSTED_FILE).write_text("not a model\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        loaded = RetrievalConfig.load(tmp_path)
    assert loaded.confidence == curve
    assert "kotae eval deflection" in caplog.text


def test_the_searcher_scores_a_search_with_the_kb_trees(sample_settings, embedder) -> None:
    """The search's confidence is the trees' score of what it saw of its top hit: its named
    features and its whole second-stage row."""
    trees = fit_boosted(SAMPLES, fit_confidence(SAMPLES))
    kb = open_kb(sample_settings, embedder=embedder)
    searcher = open_kb(sample_settings, embedder=embedder, retrieval=dataclasses.replace(
        kb.searcher.config, confidence=trees)).searcher
    result = searcher.search("パスワードを忘れました", audience=Audience.PUBLIC)
    assert result.features is not None and len(result.features.row) == len(RANK_FEATURES)
    assert result.confidence == pytest.approx(trees.score(result.features))
    assert result.confidence != pytest.approx(trees.fallback.score(result.features))


def test_trees_are_kept_only_when_they_beat_the_curve_on_held_out_questions() -> None:
    curve = fit_confidence(SAMPLES)
    trees, held = cross_fit_boosted(SAMPLES, curve), cross_fit_confidence(SAMPLES)
    curves = {HELD: (held, sweep(held, SAMPLES)), BOOSTED: (trees, sweep(trees, SAMPLES))}
    chosen = {name: choose(conf, SAMPLES, pts, 0.9, 0.9) for name, (conf, pts) in curves.items()}
    assert _boosted_wins(curves, chosen, SAMPLES)
    # The same two, the other way round: the curve's scores as the trees' are not kept.
    swapped = {HELD: curves[BOOSTED], BOOSTED: curves[HELD]}
    assert not _boosted_wins(swapped, {HELD: chosen[BOOSTED], BOOSTED: chosen[HELD]}, SAMPLES)
    assert not _boosted_wins({HELD: curves[HELD]}, chosen, SAMPLES)  # no trees fitted


def test_the_least_questions_are_enough_for_the_cross_fit_too() -> None:
    """Cross-fitting fits on four fifths of the questions: MIN_BOOSTED of them still cross-fit
    (the minimum is the calibration's, not a fold's)."""
    least = _samples(MIN_BOOSTED, seed=1)
    assert len(cross_fit_boosted(least, fit_confidence(least))) == MIN_BOOSTED


def test_trees_that_leave_a_feature_out_never_read_it(tmp_path: Path) -> None:
    """A refit's trees leave out its raw second-stage score, as its curve does (the score
    shifts from one fitted model to the next): it moves no confidence, saved and loaded."""
    leave_out = ("rerank_score",)
    noisy = [dataclasses.replace(s, features=ConfidenceFeatures(
        s.features.top_cosine, {**s.features.values, "rerank_score": float(i % 7)},
        s.features.row)) for i, s in enumerate(SAMPLES) if s.features is not None]
    curve = fit_confidence(noisy, leave_out=leave_out)
    trees = fit_boosted(noisy, curve, leave_out=leave_out)
    assert "rerank_score" not in trees.inputs and trees.left_out == leave_out
    save_calibration(tmp_path, 0.6, trees)
    loaded = RetrievalConfig.load(tmp_path).confidence
    assert isinstance(loaded, BoostedConfidence) and loaded.inputs == trees.inputs
    for s in noisy[:20]:
        assert s.features is not None
        other = ConfidenceFeatures(s.features.top_cosine,
                                   {**s.features.values, "rerank_score": 99.0}, s.features.row)
        assert loaded.score(other) == pytest.approx(trees.score(s.features))


def test_a_refit_serves_trees_only_when_they_win_at_the_curves_precision() -> None:
    """``kotae eval rerank``/``kotae learn --refit`` choose their confidence by the rule of
    ``kotae eval deflection``: trees when they beat the curve on held-out questions, with the
    threshold at which their held-out scores are as precise as the curve's at 0.5."""
    curve = fit_confidence(SAMPLES, leave_out=REFIT_LEFT_OUT)
    held = cross_fit_confidence(SAMPLES, leave_out=REFIT_LEFT_OUT)
    confidence, threshold, scores, how = refit_confidence(SAMPLES, curve, held)
    assert isinstance(confidence, BoostedConfidence) and "boosted trees" in how
    assert set(REFIT_LEFT_OUT) <= set(confidence.left_out)
    mine, theirs = point_at(sweep(scores, SAMPLES), threshold), point_at(sweep(held, SAMPLES), 0.5)
    assert mine is not None and theirs is not None
    assert mine.precision >= theirs.precision and mine.coverage >= theirs.coverage
    # Too few questions for trees: the curve at 0.5, and its scores.
    few = SAMPLES[:MIN_BOOSTED - 1]
    few_held = cross_fit_confidence(few, leave_out=REFIT_LEFT_OUT)
    confidence, threshold, scores, how = refit_confidence(few, curve, few_held)
    assert confidence is curve and threshold == 0.5 and scores == few_held
    assert str(MIN_BOOSTED) in how
