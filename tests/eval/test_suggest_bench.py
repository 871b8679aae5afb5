"""The suggested-replies benchmark on a small slice of the sample KB and a tiny doc2dial file
(real ingest, real embedder, real server for the latency part)."""

from __future__ import annotations

import csv
import gzip
import json
import math
import shutil

import pytest

from kotae.eval.suggest_bench import (
    SAMPLE_KB,
    is_held_out,
    load_doc2dial,
    prepare_doc2dial_kb,
    prepare_ticket_kb,
    run_doc2dial_bench,
    run_latency_bench,
    run_ticket_bench,
    split_tickets,
)
from kotae.kb import KBStore, Kind

pytestmark = pytest.mark.slow


def test_the_split_is_deterministic_and_about_a_fifth():
    kept, held = split_tickets(SAMPLE_KB / "tickets.jsonl")
    assert 0.12 < len(held) / (len(kept) + len(held)) < 0.28
    assert all(is_held_out(t["id"]) for t in held) and not any(is_held_out(t["id"]) for t in kept)
    assert split_tickets(SAMPLE_KB / "tickets.jsonl")[1] == held


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small-sample")
    (folder / "manuals").mkdir()
    for name in ("password-reset.md", "account-locked.md", "error-codes.md"):
        shutil.copy(SAMPLE_KB / "manuals" / name, folder / "manuals" / name)
    lines = (SAMPLE_KB / "tickets.jsonl").read_text(encoding="utf-8").splitlines()[:40]
    (folder / "tickets.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def ticket_kb(small_sample, tmp_path_factory, embedder):
    return prepare_ticket_kb(tmp_path_factory.mktemp("work"), embedder, sample=small_sample)


def test_held_back_tickets_are_not_in_the_kb_and_are_scored(ticket_kb, small_sample, embedder,
                                                            tokenizer):
    _, held = split_tickets(small_sample / "tickets.jsonl")
    assert held
    stored = {doc.meta.get("ticket_id") for _, doc in KBStore.for_dir(ticket_kb)
              .iter_chunks_with_documents() if doc.kind is Kind.TICKET}
    assert stored and not stored & {t["id"] for t in held}
    metrics, per = run_ticket_bench(ticket_kb, embedder, tokenizer, sample=small_sample)
    assert set(per) == {t["id"] for t in held}
    assert metrics["tickets"] == len(held)
    for name in ("similarity", "category_correct", "answered"):
        assert 0.0 <= metrics[name] <= 1.0
    assert math.isnan(metrics["groundedness"]) or metrics["groundedness"] == 1.0


def test_doc2dial_accuracy_on_a_tiny_file(tmp_path, embedder, tokenizer):
    folder = tmp_path / "d2d"
    folder.mkdir()
    docs = {"Renew a license#1_0": "You can renew your driver license online. Renewal costs "
            "64.50 dollars and takes ten days.",
            "Report a change of address#2_0": "You must report a change of address within "
            "ten days of moving. Update the address on your registration too."}
    rows = [("q1", "user:how do I renew my license online", "Renew a license#1_0"),
            ("q2", "user:I moved, do I need to tell you my new address\tagent:hi",
             "Report a change of address#2_0")]
    with gzip.open(folder / "doc2dial_rc_val.csv.gz", "wt", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "question", "context", "spans", "answers", "domain", "title"])
        for qid, question, title in rows:
            writer.writerow([qid, question, docs[title], "{}", "{}", "dmv", title])
    loaded, queries = load_doc2dial(folder, n=10)
    assert len(loaded) == 2 and {q[1] for q in queries} == {
        "how do I renew my license online", "I moved, do I need to tell you my new address"}
    kb_dir = prepare_doc2dial_kb(loaded, tmp_path / "work", embedder)
    metrics, per = run_doc2dial_bench(kb_dir, queries, embedder, tokenizer)
    assert set(per) == {"q1", "q2"}
    assert metrics["retrieval@1"] == 1.0
    assert 0.0 <= metrics["acc@1"] <= metrics["acc@3"] <= 1.0


@pytest.mark.e2e
def test_latency_of_the_suggest_endpoint(ticket_kb, small_sample):
    _, held = split_tickets(small_sample / "tickets.jsonl")
    stats = run_latency_bench(ticket_kb, held, n=6, concurrency=1)
    assert stats["errors"] == 0 and stats["p50_ms"] > 0
    assert json.dumps(stats)
