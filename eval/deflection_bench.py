"""Benchmark of the deflector itself (``suggest.deflect.Deflector``, as ``POST /v1/deflect``
runs it) on CLINC150 and LocalgovFAQ, with the threshold chosen on data it is not scored on.

The calibration is the harness's (``eval.deflection`` samples, ``eval.calibrate`` fit); it is
fitted on a calibration split and the deflector is then scored on the other queries. The
threshold is the smallest whose precision reaches ``--target`` in ``--level`` of 200 bootstrap
resamples of the calibration queries (``--level 0``: on the queries as drawn, a point estimate
that falls short on new queries about half of the time). The default ``--level auto`` checks the
bootstrap on the calibration queries themselves (``choose_level``): over 20 random halvings it
takes the smallest level whose threshold, chosen on one half, reaches the target on the other
half at least 90% of the time (few out-of-scope queries, each weighted up, make a bootstrap
bound optimistic: on CLINC150 level 0.9 fell short on 15–30% of the halves). When no threshold
qualifies, the deflector hands off every query (coverage 0) and the result says so.

- CLINC150: one FAQ entry per intent from the training split (``--examples`` utterances of
  it as its text, ``--variants`` of them as its variants, which train the question router of
  ``retrieval.router``); calibrated on all its non-test queries that the corpus is not built
  from: ``val`` + ``oos_val`` + ``oos_train`` (3,000 + 200; ``--no-oos-train``: without
  ``oos_train``), scored on ``test`` + ``oos_test`` (4,500 + 1,000 queries). The calibration
  queries have few out-of-scope ones (6%, 3% without ``oos_train``), far fewer than a chatbot
  sees, so their weight is set for precision at ``--oos-share`` (default 20%) out-of-scope
  traffic whatever their count (``--weighted-fit`` fits the confidence curve for that traffic
  too); the harness's plain choice is reported beside it.
- LocalgovFAQ: a correct answer is a top source of grade 2 (it fully answers); 2-fold
  cross-validation over the queries (calibrate on one half, score the other, then swap).
  Reported: how many of the 162 queries no FAQ fully answers are handed off.

A KB that already holds the corpus (e.g. a cache built by ``kotae eval``) is reused: nothing
is embedded again. Example::

    python -m kotae.eval.deflection_bench clinc150 --src ../shared/data/clinc150 --kb /tmp/clinc-kb
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kotae.eval.beir import BeirDataset
from kotae.eval.calibrate import CalibrationError, fit_confidence, rescore
from kotae.eval.convert_faq import convert_localgovfaq, load_json, pick_file
from kotae.eval.convert_intents import DEFAULT_EXAMPLES, build_intent_dataset
from kotae.eval.corpus_kb import prepare_kb
from kotae.eval.deflection import (
    DEFAULT_LEVEL,
    Sample,
    choose_threshold,
    collect_samples,
    sweep,
)
from kotae.eval.deflection import bounded_threshold as bootstrap_threshold
from kotae.kb import Action, SnapshotDir, normalise_text
from kotae.kb.settings import KBSettings
from kotae.kb.store import KBStore
from kotae.knowledge_base import open_kb as open_knowledge_base
from kotae.retrieval import Manifest, Searcher
from kotae.retrieval.protocols import Embedder
from kotae.suggest.deflection.deflect import Deflector


def open_kb(data: BeirDataset, kb_dir: Path, embedder: Embedder) -> dict[str, str]:
    """kotae doc id → corpus id. The corpus is ingested unless ``kb_dir`` already serves it
    with the configured tokeniser (a KB built with another one gets its BM25 index rebuilt;
    nothing is embedded twice)."""
    settings = KBSettings(home=kb_dir)
    current = SnapshotDir(kb_dir).current()
    tokenizer = open_knowledge_base(settings).tokenizer
    if current is None or Manifest.read(current).tokenizer != tokenizer.id:
        return prepare_kb(data, kb_dir, settings, embedder).to_corpus
    back = {normalise_text(doc_id): doc_id for doc_id in data.corpus}
    return {doc.id: back[doc.meta["faq_id"]] for _, doc in
            KBStore.for_dir(kb_dir).iter_chunks_with_documents()
            if doc.meta.get("faq_id") in back}


def subset(data: BeirDataset, qids: list[str]) -> BeirDataset:
    return dataclasses.replace(data, queries={q: data.queries[q] for q in qids},
                               qrels={q: data.qrels[q] for q in qids if q in data.qrels})


def oos_weight(samples: list[Sample], oos_share: float) -> float:
    """How many times an out-of-scope sample counts so that they make up ``oos_share`` of the
    calibration queries (1 when there are none or the share is 0)."""
    n_oos = sum(not s.in_scope for s in samples)
    n_in = len(samples) - n_oos
    return oos_share / (1 - oos_share) * n_in / n_oos if n_oos and 0 < oos_share < 1 else 1.0


def weighted_threshold(confidences: list[float], samples: list[Sample], target: float,
                       oos_share: float) -> float | None:
    """The smallest threshold whose precision reaches ``target`` when out-of-scope queries
    make up ``oos_share`` of the traffic (their count in the calibration set is reweighted:
    CLINC150's validation split has 3% of them, its test split 18%)."""
    weight = oos_weight(samples, oos_share)
    order = sorted(range(len(samples)), key=lambda i: -confidences[i])
    correct = answered = 0.0
    chosen = None
    for rank, i in enumerate(order):
        correct += samples[i].correct
        answered += 1.0 if samples[i].in_scope else weight
        last_of_tie = rank + 1 == len(order) or confidences[order[rank + 1]] < confidences[i]
        if last_of_tie and correct / answered >= target:
            chosen = confidences[i]
    return chosen


def bounded_threshold(confidences: list[float], samples: list[Sample], target: float,
                      oos_share: float, level: float, resamples: int = 200,
                      seed: int = 0) -> float | None:
    """Like ``weighted_threshold``, but precision must reach ``target`` in ``level`` of
    bootstrap resamples of the calibration queries, not only on the queries as drawn (a point
    estimate is below the target on new queries about half of the time)."""
    return bootstrap_threshold(confidences, samples, target, level,
                               oos_weight(samples, oos_share), resamples, seed)


AUTO = "auto"
LEVELS = (DEFAULT_LEVEL, 0.95, 0.975, 0.99)  # the levels ``choose_level`` tries, in order
HALVINGS = 20  # random 2-fold splits of the calibration queries per level
MISS_RATE = 0.1  # share of held-out halves allowed below the target


@dataclass(frozen=True)
class Calibration:
    """How the threshold is chosen: ``target`` precision for ``oos_share`` out-of-scope
    traffic; ``weighted_fit`` fits the curve for that traffic too; ``level`` asks the target
    with that bootstrap confidence (None: the point estimate on the calibration queries;
    ``"auto"``: the level ``choose_level`` finds on the calibration queries)."""

    target: float = 0.9
    oos_share: float = 0.2
    weighted_fit: bool = False
    level: float | str | None = AUTO

    def __post_init__(self) -> None:
        if not 0 < self.target <= 1 or not 0 <= self.oos_share < 1:
            raise ValueError(f"need 0 < target <= 1 and 0 <= oos_share < 1, got {self}")
        if isinstance(self.level, str):
            if self.level != AUTO:
                raise ValueError(f"level must be a number or {AUTO!r}, got {self.level!r}")
        elif self.level is not None and not 0.5 <= self.level < 1:
            raise ValueError(f"level must be in [0.5, 1), got {self.level}")


def calibrate(data: BeirDataset, searcher: Searcher, to_corpus: Callable[[str], str],
              min_grade: int, how: Calibration) -> dict[str, Any]:
    """Fit the confidence curve on ``data`` and choose thresholds: the harness's (precision on
    the calibration queries as they are) and one for ``how.oos_share`` out-of-scope traffic.
    With ``how.weighted_fit`` the curve too is fitted for that traffic (out-of-scope samples
    reweighted); without, on the queries as they are (as ``kotae eval deflection`` does).
    A threshold is None when none qualifies: the deflector then hands off every query."""
    return choose_calibration(collect_samples(data, searcher, to_corpus, min_grade), how)


def held_out_precision(fit_on: list[Sample], score_on: list[Sample],
                       how: Calibration) -> float | None:
    """Precision on ``score_on`` (out-of-scope answers weighted for ``how.oos_share``) at the
    threshold ``how`` chooses on ``fit_on``; None when nothing is answered (also when no curve
    fits that half)."""
    try:
        chosen = choose_calibration(fit_on, how)
    except CalibrationError:
        return None
    if chosen["threshold"] is None:
        return None
    weight = oos_weight(score_on, how.oos_share)
    answered = [s for s, c in zip(score_on, rescore(score_on, chosen["confidence"]), strict=True)
                if c >= chosen["threshold"]]
    cost = sum(1.0 if s.in_scope else weight for s in answered)
    return sum(s.correct for s in answered) / cost if cost else None


def choose_level(samples: list[Sample], how: Calibration, levels: tuple[float, ...] = LEVELS,
                 halvings: int = HALVINGS, seed: int = 0) -> tuple[float, list[dict[str, Any]]]:
    """The smallest bootstrap level whose threshold, chosen on one half of ``samples``, reaches
    ``how.target`` on the other half in at least ``1 - MISS_RATE`` of ``halvings`` random
    2-fold splits (both ways round); the largest level when none does. Also returns, per level
    tried, the share of halves below the target. Seeded, so repeatable."""
    rng = np.random.default_rng(seed)
    splits = []
    for _ in range(halvings):
        order = rng.permutation(len(samples))
        first, second = ([samples[i] for i in order[0::2]], [samples[i] for i in order[1::2]])
        splits += [(first, second), (second, first)]
    table: list[dict[str, Any]] = []
    for level in levels:
        fixed = dataclasses.replace(how, level=level)
        held = [held_out_precision(a, b, fixed) for a, b in splits]
        below = sum(p is not None and p < how.target for p in held) / len(held)
        table.append({"level": level, "held_out_below_target": round(below, 4)})
        if below <= MISS_RATE:
            return level, table
    return levels[-1], table


def choose_calibration(samples: list[Sample], how: Calibration) -> dict[str, Any]:
    """``calibrate`` on samples already collected (``how.level`` ``"auto"``: at the level
    ``choose_level`` finds, reported as ``level`` and ``level_study``)."""
    study: list[dict[str, Any]] = []
    if how.level == AUTO:
        level, study = choose_level(samples, how)
        how = dataclasses.replace(how, level=level)
    target, oos_share = how.target, how.oos_share
    model = fit_confidence(samples, oos_weight(samples, oos_share) if how.weighted_fit else 1.0)
    confidences = rescore(samples, model)
    point = choose_threshold(sweep(confidences, samples), target)
    weighted = (weighted_threshold(confidences, samples, target, oos_share) if how.level is None
                else bounded_threshold(confidences, samples, target, oos_share,
                                       float(how.level)))
    harness = None if point is None else point.threshold
    chosen = None if harness is None or weighted is None else max(harness, weighted)
    return {"confidence": model, "harness_threshold": harness, "threshold": chosen,
            "calibration_oos": sum(not s.in_scope for s in samples),
            "oos_weight": oos_weight(samples, oos_share), "level": how.level,
            "level_study": study}


def score(data: BeirDataset, deflector: Deflector, to_corpus: Callable[[str], str],
          min_grade: int) -> list[dict[str, Any]]:
    """Deflect every query; one record per query (answered, top hit right, scope)."""
    out = []
    for qid, text in data.queries.items():
        grades = data.qrels.get(qid, {})
        result = deflector.deflect(text[:2000])
        top = to_corpus(result.hits[0].doc_id) if result.hits else ""
        out.append({"qid": qid, "answered": result.action is Action.ANSWER,
                    "confidence": result.confidence, "top_correct": grades.get(top, 0) >= min_grade,
                    "in_scope": any(g >= min_grade for g in grades.values()),
                    "partial": bool(grades) and not any(g >= min_grade for g in grades.values())})
    return out


def summarise(rows: list[dict[str, Any]], threshold: float | None = None) -> dict[str, Any]:
    """Metrics of the deflector's decisions (or of answering at ``threshold`` instead; pass
    ``math.inf`` for handing off every query)."""
    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    def answers(r: dict[str, Any]) -> bool:
        return bool(r["answered"]) if threshold is None else r["confidence"] >= threshold

    answered = [r for r in rows if answers(r)]
    in_scope = [r for r in rows if r["in_scope"]]
    oos = [r for r in rows if not r["in_scope"] and not r["partial"]]
    partial = [r for r in rows if r["partial"]]
    return {
        "queries": len(rows), "answered": len(answered),
        "precision": share(sum(r["top_correct"] for r in answered), len(answered)),
        "coverage": share(len(answered), len(rows)),
        "in_scope_coverage": share(sum(answers(r) for r in in_scope), len(in_scope)),
        "in_scope_accuracy": share(sum(answers(r) and r["top_correct"] for r in in_scope),
                                   len(in_scope)),
        "top1_accuracy": share(sum(r["top_correct"] for r in in_scope), len(in_scope)),
        "oos_queries": len(oos), "oos_recall": share(sum(not answers(r) for r in oos), len(oos)),
        "partial_queries": len(partial),
        "partial_handed_off": share(sum(not answers(r) for r in partial), len(partial)),
    }


DEFAULT_VARIANTS = 100  # CLINC150 has 100 training utterances per intent
CLINC150_CALIBRATION = ("val", "oos_val", "oos_train")  # its non-test queries off the corpus


def clinc150_splits(src: Path, examples: int = DEFAULT_EXAMPLES, oos_train: bool = True,
                    variants: int = 0) -> tuple[BeirDataset, BeirDataset, list[str]]:
    """(calibration, test, calibration split names): calibrate on ``val`` + ``oos_val``
    (+ ``oos_train``, the training split's out-of-scope queries: no FAQ entry is built from
    them), score on ``test`` + ``oos_test``."""
    raw = load_json(pick_file(src, ("data_full.json",)))
    splits = [k for k in CLINC150_CALIBRATION if oos_train or k != "oos_train"]
    pairs = {k: [(str(t), str(i)) for t, i in raw[k]] for k in
             ("train", *splits, "test", "oos_test")}
    val = build_intent_dataset("clinc150", pairs["train"],
                               [p for k in splits for p in pairs[k]], examples, variants)
    test = build_intent_dataset("clinc150", pairs["train"], pairs["test"] + pairs["oos_test"],
                                examples, variants)
    return val, test, splits


def clinc150(src: Path, kb_dir: Path, embedder: Embedder, how: Calibration,
             examples: int = DEFAULT_EXAMPLES, oos_train: bool = True,
             variants: int = 0) -> dict[str, Any]:
    val, test, splits = clinc150_splits(src, examples, oos_train, variants)
    return {"calibration_splits": splits, "examples": examples, "variants": variants,
            **run(val, test, kb_dir, embedder, how, min_grade=1)}


def localgovfaq(src: Path, kb_dir: Path, embedder: Embedder, how: Calibration) -> dict[str, Any]:
    data = convert_localgovfaq(src)
    qids = sorted(data.queries, key=int)
    folds = [subset(data, qids[0::2]), subset(data, qids[1::2])]
    how = dataclasses.replace(how, oos_share=0.0)  # no out-of-scope queries
    first = run(folds[0], folds[1], kb_dir, embedder, how, min_grade=2)
    second = run(folds[1], folds[0], kb_dir, embedder, how, min_grade=2)
    rows = first.pop("rows") + second.pop("rows")
    return {"folds": [first, second], **summarise(rows), "rows": rows}


def run(calibration: BeirDataset, test: BeirDataset, kb_dir: Path, embedder: Embedder,
        how: Calibration, min_grade: int) -> dict[str, Any]:
    to_corpus_map = open_kb(test, kb_dir, embedder)

    def to_corpus(doc_id: str) -> str:
        return to_corpus_map.get(doc_id, "")

    settings = KBSettings(home=kb_dir)
    base = open_knowledge_base(settings, embedder=embedder).searcher
    chosen = calibrate(calibration, base, to_corpus, min_grade, how)
    threshold, harness = chosen["threshold"], chosen["harness_threshold"]
    config = dataclasses.replace(base.config, confidence=chosen["confidence"],
                                 answer_threshold=1.0 if threshold is None else threshold)
    deflector = Deflector(open_knowledge_base(settings, embedder=embedder,
                                              retrieval=config).searcher)
    rows = score(test, deflector, to_corpus, min_grade)
    if threshold is None:  # no threshold qualifies: hand off everything
        rows = [{**r, "answered": False} for r in rows]
    return {"kb_dir": str(kb_dir), "threshold": threshold, "hand_off_all": threshold is None,
            "confidence": chosen["confidence"].to_dict(),
            "calibration": dataclasses.asdict(how), "level": chosen["level"],
            "level_study": chosen["level_study"],
            "calibration_queries": len(calibration.queries),
            "calibration_oos": chosen["calibration_oos"], "oos_weight": chosen["oos_weight"],
            **summarise(rows),
            "at_harness_threshold": {"threshold": harness,
                                     **summarise(rows, math.inf if harness is None else harness)},
            "rows": rows}


def _level(text: str) -> float | str:
    if text == AUTO:
        return AUTO
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number or {AUTO!r}: {text!r}") from None


def parse_args(argv: list[str] | None = None) -> tuple[argparse.Namespace, Calibration]:
    """The command line and the calibration it asks for (``--level 0``: the point estimate)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", choices=("clinc150", "localgovfaq"))
    parser.add_argument("--src", type=Path, required=True, help="the dataset's folder")
    parser.add_argument("--kb", type=Path, required=True,
                        help="KB directory: built from the corpus when empty, else only read")
    parser.add_argument("--target", type=float, default=0.9, help="precision to reach")
    parser.add_argument("--out", type=Path, default=None, help="write results JSON here")
    parser.add_argument("--examples", type=int, default=DEFAULT_EXAMPLES,
                        help="training utterances per intent in its FAQ entry's text (CLINC150)")
    parser.add_argument("--variants", type=int, default=DEFAULT_VARIANTS,
                        help="training utterances per intent given as its FAQ entry's variants, "
                        "which train the question router (CLINC150; default %(default)s, 0: no "
                        "variants, no router). A KB in --kb is reused as it is: use a new "
                        "folder when this changes")
    parser.add_argument("--oos-share", type=float, default=0.2,
                        help="share of out-of-scope questions the threshold is chosen for "
                        "(CLINC150; its calibration queries have only 6%%, 3%% without "
                        "oos_train; default %(default)s)")
    parser.add_argument("--oos-train", action=argparse.BooleanOptionalAction, default=True,
                        help="CLINC150: calibrate on val + oos_val + oos_train (default); "
                        "--no-oos-train: on val + oos_val only, the protocol before the "
                        "bootstrap default")
    parser.add_argument("--weighted-fit", action="store_true",
                        help="fit the confidence curve with out-of-scope queries reweighted to "
                        "--oos-share (default: on the calibration queries as they are, as "
                        "`kotae eval deflection` does)")
    parser.add_argument("--level", type=_level, default=AUTO,
                        help="choose the smallest threshold whose precision reaches --target in "
                        "this share of 200 bootstrap resamples of the calibration queries "
                        "(default %(default)s: the smallest of 0.9, 0.95, 0.975, 0.99 that holds "
                        "on held-out halves of the calibration queries; 0: on the calibration "
                        "queries as drawn, the point estimate used before). If none does, "
                        "everything is handed off")
    args = parser.parse_args(argv)
    try:
        how = Calibration(args.target, args.oos_share, args.weighted_fit, args.level or None)
    except ValueError as exc:
        parser.error(str(exc))
    return args, how


def main(argv: list[str] | None = None) -> int:
    args, how = parse_args(argv)
    embedder = open_knowledge_base(KBSettings()).embedder
    if args.dataset == "clinc150":
        results = clinc150(args.src, args.kb, embedder, how, args.examples, args.oos_train,
                           args.variants)
    else:
        results = localgovfaq(args.src, args.kb, embedder, how)
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    summary = {k: v for k, v in results.items() if k != "rows"}
    for fold in summary.get("folds", []):
        fold.pop("rows", None)
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
