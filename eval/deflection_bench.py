"""Benchmark of the deflector itself (``suggest.deflect.Deflector``, as ``POST /v1/deflect``
runs it) on CLINC150 and LocalgovFAQ, with the threshold chosen on data it is not scored on.

The calibration is the harness's (``eval.deflection`` samples, ``eval.calibrate`` fit, the
smallest threshold reaching the target precision); it is fitted on a calibration split and the
deflector is then scored on the other queries:

- CLINC150: one FAQ entry per intent from the training split (``--examples`` utterances of
  it); calibrated on ``val`` + ``oos_val``, scored on ``test`` + ``oos_test`` (4,500 + 1,000
  queries). The validation split has 3% out-of-scope queries, far fewer than a chatbot sees,
  so the threshold is chosen for precision at ``--oos-share`` (default 20%) out-of-scope
  traffic; the harness's plain choice is reported beside it.
- LocalgovFAQ: a correct answer is a top source of grade 2 (it fully answers); 2-fold
  cross-validation over the queries (calibrate on one half, score the other, then swap).
  Reported: how many of the 162 queries no FAQ fully answers are handed off.

A KB that already holds the corpus (e.g. a cache built by ``kotae eval``) is reused: nothing
is embedded again. Example::

    python -m eval.deflection_bench clinc150 --src ../shared/data/clinc150 --kb /tmp/clinc-kb
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.beir import BeirDataset
from eval.calibrate import fit_confidence, rescore
from eval.convert_faq import convert_localgovfaq, load_json, pick_file
from eval.convert_intents import DEFAULT_EXAMPLES, build_intent_dataset
from eval.corpus_kb import prepare_kb
from eval.deflection import Sample, choose_threshold, collect_samples, sweep
from eval.wiring import KBConfig, embedder_for, tokenizer_for
from kb import Action, SnapshotDir, normalise_text
from kb.store import KBStore
from retrieval import Manifest, RetrievalConfig, Searcher
from retrieval.protocols import Embedder
from suggest.deflect import Deflector


def open_kb(data: BeirDataset, kb_dir: Path, embedder: Embedder) -> dict[str, str]:
    """kotae doc id → corpus id. The corpus is ingested unless ``kb_dir`` already serves it
    with the configured tokeniser (a KB built with another one gets its BM25 index rebuilt;
    nothing is embedded twice)."""
    settings = KBConfig().model_copy(update={"home": kb_dir})
    current = SnapshotDir(kb_dir).current()
    if current is None or Manifest.read(current).tokenizer != tokenizer_for(settings).id:
        return prepare_kb(data, kb_dir, settings, embedder).to_corpus
    back = {normalise_text(doc_id): doc_id for doc_id in data.corpus}
    return {doc.id: back[doc.meta["faq_id"]] for _, doc in
            KBStore.for_dir(kb_dir).iter_chunks_with_documents()
            if doc.meta.get("faq_id") in back}


def subset(data: BeirDataset, qids: list[str]) -> BeirDataset:
    return dataclasses.replace(data, queries={q: data.queries[q] for q in qids},
                               qrels={q: data.qrels[q] for q in qids if q in data.qrels})


def weighted_threshold(confidences: list[float], samples: list[Sample], target: float,
                       oos_share: float) -> float | None:
    """The smallest threshold whose precision reaches ``target`` when out-of-scope queries
    make up ``oos_share`` of the traffic (their count in the calibration set is reweighted:
    CLINC150's validation split has 3% of them, its test split 18%)."""
    n_oos = sum(not s.in_scope for s in samples)
    n_in = len(samples) - n_oos
    weight = oos_share / (1 - oos_share) * n_in / n_oos if n_oos and 0 < oos_share < 1 else 1.0
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


def calibrate(data: BeirDataset, searcher: Searcher, to_corpus: Callable[[str], str],
              min_grade: int, target: float, oos_share: float) -> dict[str, Any]:
    """Fit the confidence curve on ``data`` and choose thresholds: the harness's (precision on
    the calibration queries as they are) and one for ``oos_share`` out-of-scope traffic."""
    samples = collect_samples(data, searcher, to_corpus, min_grade)
    model = fit_confidence(samples)
    confidences = rescore(samples, model)
    point = choose_threshold(sweep(confidences, samples), target)
    weighted = weighted_threshold(confidences, samples, target, oos_share)
    if point is None or weighted is None:
        raise SystemExit(f"no threshold reaches precision {target} on the calibration queries")
    return {"confidence": model, "harness_threshold": point.threshold,
            "threshold": max(point.threshold, weighted)}


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
    """Metrics of the deflector's decisions (or of answering at ``threshold`` instead)."""
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


def clinc150(src: Path, kb_dir: Path, embedder: Embedder, target: float,
             examples: int = DEFAULT_EXAMPLES, oos_share: float = 0.2) -> dict[str, Any]:
    raw = load_json(pick_file(src, ("data_full.json",)))
    pairs = {k: [(str(t), str(i)) for t, i in raw[k]] for k in
             ("train", "val", "oos_val", "test", "oos_test")}
    val = build_intent_dataset("clinc150", pairs["train"], pairs["val"] + pairs["oos_val"],
                               examples)
    test = build_intent_dataset("clinc150", pairs["train"], pairs["test"] + pairs["oos_test"],
                                examples)
    return run(val, test, kb_dir, embedder, target, min_grade=1, oos_share=oos_share)


def localgovfaq(src: Path, kb_dir: Path, embedder: Embedder,
                target: float) -> dict[str, Any]:
    data = convert_localgovfaq(src)
    qids = sorted(data.queries, key=int)
    folds = [subset(data, qids[0::2]), subset(data, qids[1::2])]
    first = run(folds[0], folds[1], kb_dir, embedder, target, min_grade=2, oos_share=0.0)
    second = run(folds[1], folds[0], kb_dir, embedder, target, min_grade=2, oos_share=0.0)
    rows = first.pop("rows") + second.pop("rows")
    return {"folds": [first, second], **summarise(rows), "rows": rows}


def run(calibration: BeirDataset, test: BeirDataset, kb_dir: Path, embedder: Embedder,
        target: float, min_grade: int, oos_share: float) -> dict[str, Any]:
    to_corpus_map = open_kb(test, kb_dir, embedder)

    def to_corpus(doc_id: str) -> str:
        return to_corpus_map.get(doc_id, "")

    tokenizer = tokenizer_for(KBConfig())
    base = Searcher(kb_dir, embedder, tokenizer, RetrievalConfig.load(kb_dir))
    chosen = calibrate(calibration, base, to_corpus, min_grade, target, oos_share)
    config = dataclasses.replace(base.config, confidence=chosen["confidence"],
                                 answer_threshold=chosen["threshold"])
    deflector = Deflector(Searcher(kb_dir, embedder, tokenizer, config))
    rows = score(test, deflector, to_corpus, min_grade)
    return {"kb_dir": str(kb_dir), "threshold": chosen["threshold"],
            "confidence": dataclasses.asdict(chosen["confidence"]),
            "calibration_queries": len(calibration.queries), **summarise(rows),
            "at_harness_threshold": {"threshold": chosen["harness_threshold"],
                                     **summarise(rows, chosen["harness_threshold"])},
            "rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", choices=("clinc150", "localgovfaq"))
    parser.add_argument("--src", type=Path, required=True, help="the dataset's folder")
    parser.add_argument("--kb", type=Path, required=True,
                        help="KB directory: built from the corpus when empty, else only read")
    parser.add_argument("--target", type=float, default=0.9, help="precision to reach")
    parser.add_argument("--out", type=Path, default=None, help="write results JSON here")
    parser.add_argument("--examples", type=int, default=DEFAULT_EXAMPLES,
                        help="training utterances per intent in its FAQ entry (CLINC150)")
    parser.add_argument("--oos-share", type=float, default=0.2,
                        help="share of out-of-scope questions the threshold is chosen for "
                        "(CLINC150; its validation split has only 3%%)")
    args = parser.parse_args(argv)
    embedder = embedder_for(KBConfig())
    if args.dataset == "clinc150":
        results = clinc150(args.src, args.kb, embedder, args.target, args.examples,
                           args.oos_share)
    else:
        results = localgovfaq(args.src, args.kb, embedder, args.target)
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    summary = {k: v for k, v in results.items() if k != "rows"}
    for fold in summary.get("folds", []):
        fold.pop("rows", None)
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
