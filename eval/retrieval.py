"""The retrieval eval: every judged query through the real Searcher, per mode, scored by ranx.

Runs are ranked lists of corpus ids; the score given to ranx is ``k - rank`` so ranx orders
hits exactly as kotae did (fused scores can tie).

Example:
    >>> result = evaluate_retrieval(data, searcher, kb.corpus_id, modes=("bm25", "hybrid"))
    >>> result.metrics["hybrid"]["ndcg@10"]
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from kotae.eval.beir import BeirDataset
from kotae.eval.metrics import DEFAULT_METRICS, evaluate_run
from kotae.retrieval import MAX_K, MODES, Audience, Searcher

Progress = Callable[[str, int, int], None]  # (stage, done, total)
Run = dict[str, dict[str, float]]


@dataclass
class RetrievalEval:
    """Mean and per-query metrics per mode, the runs themselves and the time they took."""

    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    per_query: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    runs: dict[str, Run] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    queries: int = 0


def parse_modes(value: str) -> list[str]:
    """``"all"`` or a comma-separated list of ``MODES`` → the modes, in that order (all:
    bm25, dense, hybrid, default; reading only when named)."""
    wanted = ["bm25", "dense", "hybrid", "default"] if value.strip().lower() == "all" else [
        m.strip().lower() for m in value.split(",") if m.strip()]
    bad = [m for m in wanted if m not in MODES]
    if bad or not wanted:
        raise ValueError(f"unknown mode {', '.join(bad) or value!r}; "
                         f"allowed: {', '.join(MODES)}, all")
    return list(dict.fromkeys(wanted))


def run_queries(searcher: Searcher, queries: dict[str, str], mode: str,
                to_corpus: Callable[[str], str], k: int = MAX_K,
                on_progress: Progress | None = None) -> Run:
    """qid → {corpus id: k - rank} for the top ``k`` documents (one hit per document)."""
    run: Run = {}
    for n, (qid, text) in enumerate(queries.items(), start=1):
        # No snippets: the ranking is the same, and analysing every hit cost most of the time.
        result = searcher.search(text, audience=Audience.AGENT, k=k, mode=mode, collapse=True,
                                 snippets=False)
        ranked: dict[str, float] = {}
        for rank, hit in enumerate(result.hits):
            ranked.setdefault(to_corpus(hit.doc_id), float(k - rank))
        run[qid] = ranked
        if on_progress and (n % 10 == 0 or n == len(queries)):
            on_progress(f"queries ({mode})", n, len(queries))
    return run


def evaluate_retrieval(data: BeirDataset, searcher: Searcher, to_corpus: Callable[[str], str],
                       modes: Sequence[str] = ("bm25", "dense", "hybrid", "default"),
                       k: int = MAX_K,
                       metrics: Sequence[str] = DEFAULT_METRICS,
                       on_progress: Progress | None = None) -> RetrievalEval:
    """Run the judged queries of ``data`` in each mode and score them."""
    queries = data.judged_queries()
    if not queries:
        raise ValueError(f"{data.name}: no query has a relevant document in the qrels")
    out = RetrievalEval(queries=len(queries))
    for mode in modes:
        start = time.perf_counter()
        run = run_queries(searcher, queries, mode, to_corpus, k, on_progress)
        out.seconds[mode] = time.perf_counter() - start
        scored = evaluate_run(data.qrels, run, metrics)
        out.runs[mode] = run
        out.metrics[mode] = scored.mean
        out.per_query[mode] = scored.per_query
    return out
