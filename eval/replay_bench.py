"""Replay benchmark: does learning from past tickets let kotae answer more on its own?

Start from a KB with one phrasing per entry, feed it history, and measure deflection on
questions it never saw (CLINC150, BANKING77):

- the KB: one FAQ entry per intent, its question one training utterance of the intent and its
  answer the intent's name ("card arrival"): a KB as a team starts it, one way of asking each;
- the history, ``N`` more training utterances per intent as past tickets: the customer's
  wording as subject and message, and the agent's reply, which quotes the entry's answer (as a
  macro does) inside a greeting — **but no label**: which entry the ticket was about must be
  inferred (``kotae.suggest.learning.from_tickets``: the reply searched among the entries, its
  calibrated confidence, agreement with the wording's own top hit) and the KB's default
  auto-approve policy decides what is learnt. The tickets are ingested, harvested, then removed
  again (``prune``), so the KB that is scored holds only the entries and what was learnt;
- the oracle: the same ``N`` utterances with their true intents, all approved;
- then the harness's deflection protocol (``eval.deflection_bench.run``): the confidence curve
  and threshold fitted on calibration queries (CLINC150: val + oos_val + oos_train; BANKING77:
  ten training utterances per intent that are neither the entry nor history), scored once on
  the test split. Reported per condition: coverage and precision at the target precision, OOS
  recall (CLINC150), top-1 accuracy, and for inferred links how many were harvested, approved,
  and right.

``sample``: the bundled sample KB with every fifth of its tickets held back. The held-back
tickets' reference document is the one their own reply links to with a score of at least the
auto-approve threshold (the same linker; the sample has no labels), and the held-back ones
without such a link are left out. Their wording is searched as a customer's (public audience)
before and after ``kotae learn`` harvests the other tickets, and after ``kotae learn --refit``
then refits the second stage and its confidence on what was learnt; reported: top-1 accuracy, AUROC,
coverage at 90% precision on the held-back tickets themselves (a point estimate on a few
dozen queries, the same rule before and after) and the answer rate at the KB's own threshold.

Query vectors are kept in ``<work>/query-vectors.sqlite`` and passage vectors in each KB's
store, so a second run embeds nothing again. Example::

    python -m kotae.eval.replay_bench clinc150 --src ../shared/data/clinc150 --work /tmp/replay
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from typing import Any

from sqlalchemy import delete, update

from kotae.eval.beir import BeirDataset
from kotae.eval.convert_faq import load_json, pick_file
from kotae.eval.convert_intents import OUT_OF_SCOPE, intent_title
from kotae.eval.corpus_kb import write_corpus_csv
from kotae.eval.deflection import Sample, auroc, choose_threshold, sweep
from kotae.eval.deflection_bench import Calibration, run
from kotae.eval.embedders import MeteredEmbedder, QueryVectorFile
from kotae.eval.errors import DatasetError
from kotae.eval.rerank_report import run_rerank_eval
from kotae.kb import Audience, normalise_text
from kotae.kb.phrasings import DEFAULT_AUTO_APPROVE, Candidate, PhrasingRow
from kotae.kb.settings import KBSettings
from kotae.knowledge_base import open_kb
from kotae.retrieval.config import SETTINGS_FILE
from kotae.retrieval.protocols import Embedder
from kotae.retrieval.rerank.model import KB_MODEL
from kotae.suggest.learning import LearnPolicy, document_urls, link_reply, wording

DATASETS = ("clinc150", "banking77", "sample")
SAMPLE_KB = Path(__file__).resolve().parents[1] / "kb" / "sample_kb"
HOLD_BACK_EVERY = 5  # every fifth ticket: 20 %
LINK_CUTS = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
DEFAULT_NS = (0, 5, 20)
CALIBRATION_PER_INTENT = 10  # BANKING77: held-out training utterances per intent
CLINC150_CALIBRATION = ("val", "oos_val", "oos_train")
REPLY = "Thank you for contacting us. {answer}. If anything is still unclear, just reply to this."


@dataclass
class IntentSet:
    """Training utterances by intent (in the dataset's order), calibration and test queries
    as (text, intent) pairs; an intent of ``oos`` is out of scope."""

    name: str
    train: dict[str, list[str]]
    calibration: list[tuple[str, str]]
    test: list[tuple[str, str]]
    oos_share: float  # out-of-scope share the threshold is chosen for


def _pairs(raw: Any, key: str) -> list[tuple[str, str]]:
    if not isinstance(raw, dict) or not isinstance(raw.get(key), list):
        raise DatasetError(f"CLINC150 JSON has no list {key!r}; use data_full.json")
    return [(str(t).strip(), str(i)) for t, i in raw[key]]


def _by_intent(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for text, intent in pairs:
        if intent != OUT_OF_SCOPE and text and text not in out[intent]:
            out[intent].append(text)
    return dict(out)


def load_clinc150(src: Path) -> IntentSet:
    raw = load_json(pick_file(src, ("data_full.json",)))
    return IntentSet("clinc150", _by_intent(_pairs(raw, "train")),
                     [p for k in CLINC150_CALIBRATION for p in _pairs(raw, k)],
                     _pairs(raw, "test") + _pairs(raw, "oos_test"), oos_share=0.2)


def load_banking77(src: Path, max_n: int) -> IntentSet:
    def read(name: str) -> list[tuple[str, str]]:
        with open(pick_file(src, (name,)), encoding="utf-8", newline="") as fh:
            return [(r["text"].strip(), r["category"]) for r in csv.DictReader(fh)]

    train = _by_intent(read("train.csv"))
    start = 1 + max_n  # after the entry's question and the largest history
    short = sorted(i for i, texts in train.items() if len(texts) <= start)
    if short:
        raise DatasetError(f"intents with too few training utterances for N={max_n}: {short}")
    calibration = [(t, i) for i, texts in train.items()
                   for t in texts[start:start + CALIBRATION_PER_INTENT]]
    return IntentSet("banking77", train, calibration, read("test.csv"), oos_share=0.0)


def first_intents(data: IntentSet, k: int) -> IntentSet:
    """The same set restricted to its first ``k`` intents (their queries, and every
    out-of-scope one): a quick look, not the benchmark."""
    keep = set(list(data.train)[:k]) | {OUT_OF_SCOPE}
    return IntentSet(data.name, {i: t for i, t in data.train.items() if i in keep},
                     [p for p in data.calibration if p[1] in keep],
                     [p for p in data.test if p[1] in keep], data.oos_share)


def corpus(data: IntentSet) -> dict[str, tuple[str, str]]:
    """One entry per intent: its first training utterance asks, its name answers."""
    return {intent: (texts[0], intent_title(intent)) for intent, texts in data.train.items()}


def queries(data: IntentSet, pairs: list[tuple[str, str]], name: str) -> BeirDataset:
    out = BeirDataset(name=f"{data.name}-{name}", corpus=corpus(data))
    for n, (text, intent) in enumerate(pairs):
        out.queries[f"{name}{n}"] = text
        if intent != OUT_OF_SCOPE:
            out.qrels[f"{name}{n}"] = {intent: 1}
    return out


def history(data: IntentSet, n: int) -> list[dict[str, str]]:
    """``n`` past tickets per intent: wording, and a reply quoting the entry's answer."""
    return [{"id": f"{intent}-{k}", "subject": text, "body": text,
             "reply": REPLY.format(answer=intent_title(intent)), "intent": intent}
            for intent, texts in data.train.items() for k, text in enumerate(texts[1:1 + n])]


def _forget_phrasings(store: Any) -> None:
    with store.session() as s:
        s.execute(delete(PhrasingRow))


def _condition(data: IntentSet, kb_dir: Path, embedder: Embedder, how: Calibration,
               name: str) -> dict[str, Any]:
    start = time.perf_counter()
    result = run(queries(data, data.calibration, "cal"), queries(data, data.test, "test"),
                 kb_dir, embedder, how, min_grade=1)
    result.pop("rows")
    return {"condition": name, "seconds": round(time.perf_counter() - start, 1), **result}


def link_table(scores: list[float], right: list[bool],
               cuts: tuple[float, ...] = LINK_CUTS) -> list[dict[str, Any]]:
    """For each score cut: how many inferred links reach it and how many of those are right."""
    out = []
    for cut in cuts:
        kept = [ok for s, ok in zip(scores, right, strict=True) if s >= cut]
        out.append({"from": cut, "links": len(kept), "right": sum(kept),
                    "precision": round(sum(kept) / len(kept), 4) if kept else None})
    return out


def _reset_phrasings(store: Any) -> None:
    with store.session() as s:
        s.execute(update(PhrasingRow).values(status="candidate", decided_at="", decided_by=""))


def replay(data: IntentSet, work: Path, embedder: Embedder, ns: tuple[int, ...],
           how: Calibration, approve_at: tuple[float, ...] = (DEFAULT_AUTO_APPROVE["ticket"],),
           log: Any = print) -> list[dict[str, Any]]:
    """Every condition: N = 0, then for each other N inferred links (approved from each score
    in ``approve_at``) and the oracle."""
    results: list[dict[str, Any]] = []
    for n in ns:
        kb_dir = work / f"{data.name}-n{n}"
        source, past = kb_dir / "source", kb_dir / "history"
        write_corpus_csv(BeirDataset(name=data.name, corpus=corpus(data)), source)
        kb = open_kb(KBSettings(home=kb_dir), embedder=embedder)
        _forget_phrasings(kb.store)
        if n == 0:
            kb.ingest([source], prune=True)
            log(f"{data.name} N=0")
            results.append({"n": 0, **_condition(data, kb_dir, embedder, how, "none")})
            continue
        tickets = history(data, n)
        past.mkdir(parents=True, exist_ok=True)
        with open(past / "tickets.jsonl", "w", encoding="utf-8") as fh:
            for t in tickets:
                fh.write(json.dumps({k: v for k, v in t.items() if k != "intent"},
                                    ensure_ascii=False) + "\n")
        log(f"{data.name} N={n}: ingest {len(tickets)} tickets, harvest")
        kb.ingest([source, past], prune=True)
        report, _ = kb.learn(LearnPolicy(sources=("ticket",), auto_approve={}), publish=False)
        truth = {normalise_text(t["subject"]): t["intent"] for t in tickets}
        to_intent = {d.id: d.meta.get("faq_id") for d in kb.store.documents()}
        back = {normalise_text(i): i for i in data.train}
        harvested = kb.phrasings.find(limit=10**6)
        right = [back.get(to_intent.get(p.doc_id) or "") == truth.get(normalise_text(p.text))
                 for p in harvested]
        links = {"tickets": len(tickets), "harvested": len(harvested),
                 "harvested_right": sum(right), "found": report.found,
                 "by_score": link_table([p.score for p in harvested], right)}
        log(f"{data.name} N={n}: inferred links {links}")
        (past / "tickets.jsonl").unlink()
        kb.ingest([source], prune=True)  # the tickets go; what was learnt stays
        for threshold in approve_at:
            _reset_phrasings(kb.store)
            kb.phrasings.auto_approve({"ticket": threshold})
            kb.publish()
            approved = [ok for p, ok in zip(kb.phrasings.find(limit=10**6), right, strict=True)
                        if p.status == "approved"]
            log(f"{data.name} N={n}: inferred, approved from {threshold}: {len(approved)}")
            results.append({"n": n, "approve_at": threshold, "links": {
                **links, "approved": len(approved), "approved_right": sum(approved)},
                **_condition(data, kb_dir, embedder, how, "inferred")})
        _forget_phrasings(kb.store)
        doc_of = {i: d for d, i in ((d, back.get(f)) for d, f in to_intent.items()) if i}
        kb.phrasings.add([Candidate(doc_of[t["intent"]], t["subject"], "ticket", t["id"], 1.0)
                          for t in tickets])
        kb.phrasings.auto_approve({"ticket": 0.0})
        kb.publish()
        log(f"{data.name} N={n}: oracle")
        results.append({"n": n, **_condition(data, kb_dir, embedder, how, "oracle")})
    return results


def _held_back_outcome(kb: Any, held: list[tuple[str, str]]) -> dict[str, Any]:
    """How the KB answers the held-back wordings (with their reference documents) publicly."""
    samples, answered, right = [], 0, 0
    threshold = kb.searcher.config.answer_threshold
    for n, (asked, reference) in enumerate(held):
        result = kb.searcher.search(asked, audience=Audience.PUBLIC, k=1, snippets=False)
        top = result.hits[0].doc_id if result.hits else ""
        samples.append(Sample(str(n), True, top == reference, result.confidence))
        answered += result.confidence >= threshold
        right += result.confidence >= threshold and top == reference
    confidences = [x.confidence for x in samples]
    best = choose_threshold(sweep(confidences, samples), 0.9)
    return {"queries": len(samples), "top1_accuracy": round(mean(x.correct for x in samples), 4),
            "auroc": auroc(confidences, samples),
            "coverage_at_90": round(best.coverage, 4) if best else 0.0,
            "kb_threshold": threshold, "answer_rate_at_kb_threshold":
                round(answered / len(samples), 4),
            "precision_at_kb_threshold": round(right / answered, 4) if answered else None,
            "router_phrasings": kb.searcher.manifest().router_phrasings}


def sample_replay(work: Path, embedder: Embedder, log: Any = print) -> dict[str, Any]:
    """The sample KB, every fifth ticket held back (see the module's doc)."""
    src = work / "sample-src"
    if src.exists():
        shutil.rmtree(src)
    shutil.copytree(SAMPLE_KB, src)
    lines = (SAMPLE_KB / "tickets.jsonl").read_text(encoding="utf-8").splitlines()
    held_lines = lines[HOLD_BACK_EVERY - 1::HOLD_BACK_EVERY]
    kept = [line for n, line in enumerate(lines) if (n + 1) % HOLD_BACK_EVERY]
    (src / "tickets.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
    for earlier in (KB_MODEL, SETTINGS_FILE):  # a refit and its curve from a run before
        (work / "kb" / earlier).unlink(missing_ok=True)
    kb = open_kb(KBSettings(home=work / "kb"), embedder=embedder)
    log(f"sample: ingest ({len(kept)} tickets kept, {len(held_lines)} held back)")
    kb.ingest([src], prune=True)
    _forget_phrasings(kb.store)
    kb.publish()
    by_url = document_urls(kb.store.documents())
    threshold = KBSettings().learn_auto_approve.get("ticket", 1.0)
    held: list[tuple[str, str]] = []
    for line in held_lines:
        ticket = json.loads(line)
        asked = wording(str(ticket.get("subject") or ""), str(ticket.get("body") or ""))
        link = link_reply(kb.searcher, asked, str(ticket.get("reply") or ""), by_url)
        if link is not None and link[1] >= threshold:
            held.append((asked, link[0]))
    before = _held_back_outcome(kb, held)
    log(f"sample: before {before}; learning from the kept tickets")
    report, _ = kb.learn(LearnPolicy(sources=("ticket",)))
    after = _held_back_outcome(kb, held)
    log(f"sample: after {after}; refitting the second stage on what was learnt")
    outcome = run_rerank_eval([], work / "rerank-report", kb.home, write=True)
    refitted = _held_back_outcome(open_kb(KBSettings(home=kb.home), embedder=embedder), held)
    log(f"sample: after the refit {refitted}")
    return {"held_back": len(held_lines), "with_reference": len(held), "before": before,
            "after": after, "after_refit": refitted,
            "refit": {"saved": outcome.saved_to is not None,
                      "notes": outcome.report.notes[3:]},
            "learnt": {"found": report.found, "counts": report.counts}}


def table(results: list[dict[str, Any]]) -> str:
    """The results as a Markdown table (one row per condition)."""
    lines = ["| N | links | threshold | precision | coverage | in-scope coverage | OOS recall "
             "| top-1 | approved (right) |", "| --- " * 9 + "|"]
    for r in results:
        links = r.get("links")
        approved = f"{links['approved']} ({links['approved_right']})" if links else "—"
        how = f"inferred, from {r['approve_at']}" if "approve_at" in r else r["condition"]
        threshold = "hand off all" if r["threshold"] is None else f"{r['threshold']:.3f}"
        lines.append(f"| {r['n']} | {how} | {threshold} | {r['precision']} | "
                     f"{r['coverage']} | {r['in_scope_coverage']} | {r['oos_recall']} | "
                     f"{r['top1_accuracy']} | {approved} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", choices=DATASETS)
    parser.add_argument("--src", type=Path, default=None,
                        help="the dataset's folder (not for sample: it is bundled)")
    parser.add_argument("--work", type=Path, required=True,
                        help="folder for the KBs (one per N) and the query vectors; reused")
    parser.add_argument("--n", type=int, nargs="+", default=list(DEFAULT_NS),
                        help="past tickets per intent to replay (default: 0 5 20)")
    parser.add_argument("--target", type=float, default=0.9, help="precision to reach")
    parser.add_argument("--out", type=Path, default=None, help="write results JSON here")
    parser.add_argument("--approve-at", type=float, nargs="+",
                        default=[DEFAULT_AUTO_APPROVE["ticket"]],
                        help="approve inferred links from these scores, one run each (default: "
                        "the KB's default auto-approve threshold for tickets, %(default)s)")
    parser.add_argument("--intents", type=int, default=0,
                        help="only the first K intents (a quick look; default: all)")
    args = parser.parse_args(argv)
    if any(n < 0 for n in args.n):
        parser.error("--n must not be negative")
    args.work.mkdir(parents=True, exist_ok=True)
    if args.dataset == "sample":
        embedder = open_kb(KBSettings(home=args.work)).embedder
        result = sample_replay(args.work, embedder,
                               log=lambda m: print(m, file=sys.stderr, flush=True))
        if args.out:
            args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1),
                                encoding="utf-8")
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    if args.src is None:
        parser.error(f"{args.dataset} needs --src (the dataset's folder)")
    data = (load_clinc150(args.src) if args.dataset == "clinc150"
            else load_banking77(args.src, max(args.n)))
    if args.intents:
        data = first_intents(data, args.intents)
    args.work.mkdir(parents=True, exist_ok=True)
    base = open_kb(KBSettings(home=args.work)).embedder
    embedder = MeteredEmbedder(base, saved=QueryVectorFile(args.work / "query-vectors.sqlite"))
    how = Calibration(target=args.target, oos_share=data.oos_share)
    if any(not 0 <= t <= 1 for t in args.approve_at):
        parser.error("--approve-at scores are in [0, 1]")
    results = replay(data, args.work, embedder, tuple(args.n), how, tuple(args.approve_at),
                     log=lambda m: print(m, file=sys.stderr, flush=True))
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1),
                            encoding="utf-8")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
