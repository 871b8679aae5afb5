"""The deflection benchmark's own arithmetic: the threshold for a given out-of-scope share and
the metrics of a run (the benchmark itself runs on the real datasets, see the README)."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest

from kotae.eval import deflection
from kotae.eval.deflection import Sample
from kotae.eval.deflection_bench import (
    Calibration,
    bounded_threshold,
    choose_calibration,
    clinc150_splits,
    main,
    oos_weight,
    parse_args,
    summarise,
    weighted_threshold,
)
from kotae.retrieval.confidence import ConfidenceFeatures


def feat(cosine: float) -> ConfidenceFeatures:
    return ConfidenceFeatures(cosine)


def sample(in_scope: bool, correct: bool) -> Sample:
    return Sample("q", in_scope, correct, 0.0, feat(0.9))


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


def test_the_bench_bound_is_the_harness_bound_with_the_out_of_scope_weight():
    samples = [sample(True, i % 4 != 0) for i in range(30)] + [sample(False, False)] * 3
    conf = [1 - i / 33 for i in range(33)]
    for share in (0.0, 0.2):
        assert bounded_threshold(conf, samples, 0.8, share, 0.9) == deflection.bounded_threshold(
            conf, samples, 0.8, 0.9, oos_weight=oos_weight(samples, share))
    assert deflection.bounded_threshold([], [], 0.9) is None
    with pytest.raises(ValueError, match="level"):
        deflection.bounded_threshold(conf, samples, 0.8, level=1.0)


def test_a_bootstrap_bound_is_stricter_than_the_point_estimate():
    # 40 queries, confidence falling; right except every 5th from rank 10 on (precision 0.85
    # on the queries as drawn at the bottom): the bound is stricter than the point estimate.
    samples = [Sample(str(i), True, i < 10 or i % 5 != 0, 0.0, feat(0.9 - i / 100))
               for i in range(40)]
    how = Calibration(target=0.85, oos_share=0.0, level=deflection.DEFAULT_LEVEL)
    bounded, point = choose_calibration(samples, how), choose_calibration(
        samples, Calibration(target=0.85, oos_share=0.0, level=None))
    assert bounded["threshold"] > point["threshold"] == point["harness_threshold"]
    assert bounded["harness_threshold"] == point["harness_threshold"]


def test_no_qualifying_threshold_hands_off_everything():
    samples = [Sample(str(i), True, i % 2 == 0, 0.0, feat(0.9 - i / 100)) for i in range(20)]
    chosen = choose_calibration(samples, Calibration(target=0.99, oos_share=0.0))
    assert chosen["threshold"] is None  # no exception: the bench hands off every query
    rows = [{"answered": False, "confidence": 1.0, "top_correct": True, "in_scope": False,
             "partial": True}]
    got = summarise(rows, math.inf)
    assert (got["answered"], got["coverage"], got["partial_handed_off"]) == (0, 0.0, 1.0)


def test_clinc150_calibrates_on_its_non_test_queries(tmp_path: Path):
    raw = {"train": [["hi there", "greet"], ["bye now", "leave"], ["weather?", "oos"]],
           "val": [["hello", "greet"], ["see you", "leave"]], "oos_val": [["a joke", "oos"]],
           "oos_train": [["a song", "oos"]], "test": [["hey", "greet"]],
           "oos_test": [["a poem", "oos"]]}
    (tmp_path / "data_full.json").write_text(json.dumps(raw), encoding="utf-8")
    val, test, splits = clinc150_splits(tmp_path, examples=5)
    assert splits == ["val", "oos_val", "oos_train"]
    assert sorted(val.queries.values()) == ["a joke", "a song", "hello", "see you"]
    assert len(val.out_of_scope_queries()) == 2 and set(val.corpus) == {"greet", "leave"}
    assert sorted(test.queries.values()) == ["a poem", "hey"]
    old, _, old_splits = clinc150_splits(tmp_path, examples=5, oos_train=False)
    assert old_splits == ["val", "oos_val"] and "a song" not in old.queries.values()
    # The out-of-scope share the threshold is chosen for does not depend on their count.
    for calibration in (val, old):
        samples = [sample(q in calibration.qrels, True) for q in calibration.queries]
        n_in, n_oos = sum(s.in_scope for s in samples), sum(not s.in_scope for s in samples)
        weight = oos_weight(samples, 0.2)
        assert n_oos * weight / (n_in + n_oos * weight) == pytest.approx(0.2)


def test_level_zero_is_the_point_estimate_and_a_bad_level_is_refused(capsys):
    base = ["clinc150", "--src", ".", "--kb", "."]
    args, how = parse_args(base)
    assert how == Calibration() and how.level == "auto" and args.oos_train
    assert parse_args([*base, "--level", "0.95"])[1].level == 0.95
    args, how = parse_args([*base, "--level", "0", "--no-oos-train"])
    assert how.level is None and not args.oos_train  # the protocol before
    with pytest.raises(SystemExit) as exc:
        main([*base, "--level", "0.3"])
    assert exc.value.code == 2 and "level" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        parse_args([*base, "--level", "high"])
    assert exc.value.code == 2 and "not a number or 'auto'" in capsys.readouterr().err


def test_calibration_options_are_checked():
    assert Calibration().level == "auto" and not Calibration().weighted_fit
    with pytest.raises(ValueError, match="level"):
        Calibration(level=0.3)
    with pytest.raises(ValueError, match="level"):
        Calibration(level="high")
    with pytest.raises(ValueError, match="oos_share"):
        Calibration(oos_share=1.0)


def test_clinc150_variants_reach_the_faq_sheet(tmp_path: Path):
    from kotae.eval.corpus_kb import write_corpus_csv
    from kotae.ingest.loaders import Defaults
    from kotae.ingest.loaders.faq_csv import load_faq_csv

    raw = {"train": [["hi there", "greet"], ["good morning", "greet"], ["bye now", "leave"]],
           "val": [["hello", "greet"]], "oos_val": [], "oos_train": [],
           "test": [["hey", "greet"]], "oos_test": []}
    (tmp_path / "data_full.json").write_text(json.dumps(raw), encoding="utf-8")
    _, test, _ = clinc150_splits(tmp_path, examples=1, variants=5)
    assert test.corpus["greet"] == ("greet", "hi there")  # --examples: the entry's text
    assert test.variants == {"greet": ["hi there", "good morning"], "leave": ["bye now"]}
    write_corpus_csv(test, tmp_path / "csv")
    docs = load_faq_csv(tmp_path / "csv" / "corpus-000.csv", Defaults()).documents
    assert {d.meta["faq_id"]: d.meta["variants"] for d in docs} == test.variants
    _, plain, _ = clinc150_splits(tmp_path, examples=1)
    assert plain.variants == {}


def _noisy_samples(n: int, seed: int) -> list[Sample]:
    """In-scope queries whose top hit is right more often at a higher confidence, plus 10%
    out of scope with middling confidence."""
    import numpy as np

    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        if rng.random() < 0.1:
            out.append(Sample(f"o{i}", False, False, 0.0, feat(float(rng.normal(0.83, 0.02)))))
        else:
            cos = float(rng.normal(0.87, 0.02))
            out.append(Sample(f"q{i}", True, bool(rng.random() < (cos - 0.78) / 0.12), 0.0,
                              feat(cos)))
    return out


def test_auto_level_holds_on_held_out_halves():
    from kotae.eval.deflection_bench import LEVELS, MISS_RATE, choose_level, held_out_precision

    samples = _noisy_samples(600, seed=6)
    how = Calibration(target=0.9, oos_share=0.2)
    level, study = choose_level(samples, how, halvings=5)
    assert level in LEVELS and [row["level"] for row in study] == list(LEVELS[:len(study)])
    # every level tried before the chosen one missed the target too often; the chosen one not,
    # unless it is the last resort
    assert all(row["held_out_below_target"] > MISS_RATE for row in study[:-1])
    assert study[-1]["level"] == level
    assert study[-1]["held_out_below_target"] <= MISS_RATE or level == LEVELS[-1]
    assert choose_level(samples, how, halvings=5) == (level, study)  # seeded
    chosen = choose_calibration(samples, how)  # the study's default halvings
    assert (chosen["level"], chosen["level_study"]) == choose_level(samples, how)
    held = held_out_precision(samples[:300], samples[300:], dataclasses.replace(how, level=level))
    assert held is None or 0.0 <= held <= 1.0
