"""``kotae eval latency`` and ``kotae eval ingest``: run them and write their reports.

Example:
    >>> outcome = run_latency_eval(Path("var/kb"), Path("out"), n=500, concurrency=4)
    >>> outcome.report.results["metrics"]["ratio"]["qps"]
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kotae.eval.beir import read_beir
from kotae.eval.corpus_kb import write_corpus_csv
from kotae.eval.errors import DatasetError
from kotae.eval.ingest_bench import run_ingest_bench
from kotae.eval.latency import BASELINE, FLOOR, KOTAE, SYSTEMS, run_latency
from kotae.eval.load import queries_from_kb
from kotae.eval.plots import histogram_png
from kotae.eval.report import Figure, Report, Table, write_report
from kotae.eval.runinfo import run_info
from kotae.eval.setup import Progress
from kotae.kb import KBStore, SnapshotDir
from kotae.kb.settings import KBSettings
from kotae.knowledge_base import open_kb
from kotae.retrieval.protocols import Embedder


@dataclass
class PerfOutcome:
    report: Report
    paths: dict[str, Path]


def read_queries(path: Path) -> list[str]:
    """Queries from a BEIR ``queries.jsonl`` (its ``text`` fields) or a text file, one a line."""
    if not path.is_file():
        raise DatasetError(f"{path} not found; give a queries.jsonl or a text file of queries")
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    if path.suffix == ".jsonl":
        try:
            lines = [str(json.loads(line)["text"]).strip() for line in lines if line]
        except (ValueError, KeyError, TypeError) as exc:
            raise DatasetError(f"{path}: every line must be JSON with a text field ({exc})"
                               ) from exc
    return list(dict.fromkeys(q for q in lines if q))


_ENDPOINT_NOTES = {
    "search": "GET /v1/search (hybrid search, second stage, snippets, confidence).",
    "deflect": "POST /v1/deflect, each query as a customer's question (search, confidence, "
               "and the composed answer when it answers).",
    "suggest": "POST /v1/suggest, each query as a ticket's body (search, similar tickets, "
               "triage and the drafted reply).",
}


def run_latency_eval(kb_dir: Path, report_dir: Path, n: int = 500, concurrency: int = 4,
                     queries_file: Path | None = None, k: int = 10,
                     on_progress: Progress | None = None,
                     embedder: Embedder | None = None, workers: int = 1,
                     queries_kb: Path | None = None, endpoint: str = "search") -> PerfOutcome:
    """Time the real server, the embed-only floor and the LangChain baseline on the same
    queries (from ``queries_file``, else sentences of ``queries_kb`` or of the KB itself)."""
    kb_dir = Path(kb_dir)
    if SnapshotDir(kb_dir).current() is None:
        raise DatasetError(f"{kb_dir} has no index; run `kotae ingest SOURCE --kb {kb_dir}` first")
    queries = (read_queries(queries_file) if queries_file
               else queries_from_kb(str(queries_kb or kb_dir)))
    embedder = embedder or open_kb(KBSettings(home=kb_dir)).embedder
    result = run_latency(kb_dir, embedder, queries, n, concurrency, k, on_progress=on_progress,
                         workers=workers, endpoint=endpoint)
    info = run_info(embedder.id)
    counts = KBStore.for_dir(kb_dir).count()
    distinct = len(queries) - min(20, len(queries) // 4)
    repeats = ("every query once" if n <= distinct
               else "queries repeat: the server's query-embedding cache helps kotae")
    results = {**info, "kb_dir": str(kb_dir), "kb": counts, "n": n, "concurrency": concurrency,
               "workers": workers, "endpoint": endpoint, "k": k, "distinct_queries": distinct,
               "queries_source": str(queries_file) if queries_file
               else f"sentences of {queries_kb or 'the KB'}",
               "metrics": result.metrics, "errors": result.errors}
    report = Report(f"Latency: {kb_dir.name}", kind="latency", results=results)
    report.notes = [
        f"KB {kb_dir}: {counts['documents']:,} documents, {counts['chunks']:,} chunks; "
        f"embedder {embedder.id}",
        f"{n:,} queries at concurrency {concurrency}, k={k}; {distinct:,} distinct queries "
        f"({repeats})",
        f"{KOTAE}: the real `kotae serve --workers {workers}` over HTTP on loopback, "
        + _ENDPOINT_NOTES[endpoint],
        f"{FLOOR}: the same queries through the embedder alone, in-process: no search can be "
        "faster than this.",
        f"{BASELINE}: LangChain FAISS similarity_search over the same chunk vectors and the same "
        "embedder, in-process with no HTTP: this favours the baseline.",
        f"{info['machine']['cpus']} CPUs ({info['machine']['cpu_model']}); load average at "
        f"end (1/5/15 min) {info['machine']['load_average_1_5_15min']}; {info['created_at']}",
        f"command: {info['command']}",
        *(f"errors in {name}: {err}" for name, err in result.errors.items()),
    ]
    cols = ["p50_ms", "p95_ms", "p99_ms", "mean_ms", "qps", "errors"]
    report.tables.append(Table("Latency", ["system", *cols],
                               [[name, *(result.metrics[name][c] for c in cols)]
                                for name in SYSTEMS]))
    ratios = [(f"kotae / {BASELINE}", result.metrics["ratio"]),
              (f"kotae / {FLOOR}", result.metrics["ratio_to_floor"])]
    report.tables.append(Table("Ratios", ["kotae vs", "qps ratio", "p50 ratio", "p99 ratio"],
                               [[name, r["qps"], r["p50"], r["p99"]] for name, r in ratios],
                               note="qps ratio > 1: kotae serves more queries per second."))
    report.figures.append(Figure("Latency distribution", histogram_png(
        result.latencies_ms, "Latency per query", "ms", bins=40)))
    return PerfOutcome(report, write_report(report, report_dir))


def beir_sources(dataset_dir: Path, limit: int | None = None) -> Path:
    """The corpus of a BEIR folder (its first ``limit`` documents) as FAQ CSV files in a new
    temporary folder, ready to ingest."""
    data = read_beir(dataset_dir)
    if limit is not None:
        data.corpus = dict(list(data.corpus.items())[:limit])
    folder = Path(tempfile.mkdtemp(prefix="kotae-ingest-src-"))
    write_corpus_csv(data, folder)
    return folder


def run_ingest_eval(paths: Sequence[Path], report_dir: Path, keep: Path | None = None,
                    on_progress: Progress | None = None, embedder: Embedder | None = None,
                    label: str | None = None) -> PerfOutcome:
    """Time ingestion of ``paths`` (described as ``label`` in the report) into a fresh KB."""
    bench = run_ingest_bench(list(paths), KBSettings(), embedder=embedder, keep=keep,
                             on_progress=on_progress)
    info = run_info(bench.embedder)
    m = bench.metrics
    sources = label or ", ".join(str(p) for p in paths)
    results = {**info, "sources": sources, "metrics": {"ingest": m},
               "problems": bench.problems[:50]}
    report = Report("Ingestion speed", kind="ingest", results=results)
    report.notes = [f"sources: {sources}; into a fresh KB (nothing cached)",
                    f"embedder {bench.embedder}; {info['machine']['cpus']} CPUs; load average "
                    f"at the end (1/5/15 min) {info['machine']['load_average_1_5_15min']}; "
                    f"{info['created_at']}", f"command: {info['command']}"]
    if bench.problems:
        report.notes.append(f"{len(bench.problems)} problems, first: {bench.problems[0]}")
    cols = ["documents", "chunks", "tokens", "seconds", "docs_per_s", "tokens_per_s",
            "embed_seconds", "embed_share", "embed_tokens_per_s"]
    report.tables.append(Table("Ingestion", cols, [[m[c] for c in cols]],
                               note="embed_share: the embedder's part of the wall time."))
    return PerfOutcome(report, write_report(report, report_dir))
