"""``kotae eval retrieval``: run the retrieval eval on a BEIR folder and write its report.

Besides the three report files, each mode's ranked lists are saved as a TREC run file
(``run-<mode>.tsv``: ``qid Q0 doc rank score tag``) for diffing with any IR tool.

Example:
    >>> outcome = run_retrieval_eval(Path("localgovfaq-beir"), ["bm25", "hybrid"], Path("out"))
    >>> outcome.result.metrics["hybrid"]["ndcg@10"]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kotae.eval.plots import histogram_png
from kotae.eval.report import Figure, Report, Table, write_report
from kotae.eval.retrieval import RetrievalEval, evaluate_retrieval
from kotae.eval.runinfo import run_info
from kotae.eval.setup import EvalOptions, EvalSetup, Progress, prepare_eval
from kotae.retrieval.protocols import Embedder
from kotae.retrieval.rerank import RankModel


@dataclass
class RetrievalOutcome:
    result: RetrievalEval
    report: Report
    paths: dict[str, Path]


def write_trec_run(run: dict[str, dict[str, float]], path: Path, tag: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for qid, docs in run.items():
            ranked = sorted(docs.items(), key=lambda kv: -kv[1])
            for rank, (doc_id, score) in enumerate(ranked, start=1):
                fh.write(f"{qid}\tQ0\t{doc_id}\t{rank}\t{score:g}\t{tag}\n")


def second_stage_note(setup: EvalSetup) -> str:
    """What ``default`` ran after the fused arms, and whether its model saw these queries."""
    reranker = setup.searcher.reranker
    if reranker is None:
        return "default: no second stage (KOTAE_RERANKER=off), the same as hybrid"
    model = getattr(reranker, "model", None)
    if isinstance(model, RankModel) and model.fitted_on(setup.data.fingerprint):
        return (f"default: second stage {reranker.id}, fitted on these very queries: its "
                "figures are in-sample, not evidence (`kotae eval rerank` gives cross-fitted "
                "ones)")
    return (f"default: second stage {reranker.id} over the fused top "
            f"{setup.searcher.rerank_depth} documents, not fitted on these queries")


def build_report(setup: EvalSetup, result: RetrievalEval, options: EvalOptions) -> Report:
    metric_names = list(next(iter(result.metrics.values())).keys())
    info = run_info(setup.embedder.id)
    config = setup.config
    results = {
        **info, "dataset": setup.dataset_info(), "options": options.as_dict(),
        "kb_dir": str(setup.kb.kb_dir), "tokenizer": setup.searcher.tokenizer.id,
        "retrieval_config": {"fusion": config.fusion, "weights": config.weights,
                             "rrf_k": config.rrf_k, "depth": config.depth},
        "ingest": {"seconds": setup.kb.seconds, "embedded": setup.kb.build.embedded,
                   "reused": setup.kb.build.reused, "chunks": setup.kb.build.manifest.chunks},
        "query_seconds": result.seconds, "metrics": result.metrics,
        "per_query": result.per_query,
    }
    data = setup.data
    report = Report(f"Retrieval: {data.name}", kind="retrieval", results=results)
    report.notes = [
        f"dataset {data.name} ({setup.dataset_dir}), fingerprint {data.fingerprint}: "
        f"{len(data.corpus):,} documents, {result.queries:,} judged queries",
        f"embedder {setup.embedder.id}; tokenizer {setup.searcher.tokenizer.id}; fusion "
        f"{config.fusion} {config.weights}",
        f"kotae {info['kotae_version']}, commit {info['git']['commit'] or 'none'}"
        f"{' (dirty)' if info['git']['dirty'] else ''}; {info['machine']['cpus']} CPUs "
        f"({info['machine']['cpu_model']}); {info['created_at']}",
        f"command: {info['command']}",
    ]
    if "default" in result.metrics:
        report.notes.append(second_stage_note(setup))
    report.tables.append(Table(
        "Metrics (mean over judged queries)", ["mode", *metric_names, "ms/query"],
        [[mode, *(m[name] for name in metric_names),
          1000 * result.seconds[mode] / max(result.queries, 1)]
         for mode, m in result.metrics.items()],
        note="Metrics by ranx; nDCG with linear gains; any grade > 0 counts as relevant. "
             "ms/query is in-process search time (query embedding cached across modes)."))
    report.figures.append(Figure("Per-query nDCG@10", histogram_png(
        {mode: [q.get("ndcg@10", 0.0) for q in pq.values()]
         for mode, pq in result.per_query.items()},
        "Per-query nDCG@10", "nDCG@10", bins=20)))
    return report


def run_retrieval_eval(dataset_dir: Path, modes: list[str], report_dir: Path,
                       options: EvalOptions | None = None, on_progress: Progress | None = None,
                       embedder: Embedder | None = None) -> RetrievalOutcome:
    """Prepare (or reuse) the KB, run every mode, write the report folder."""
    options = options or EvalOptions()
    setup = prepare_eval(dataset_dir, options, on_progress=on_progress, embedder=embedder)
    result = evaluate_retrieval(setup.data, setup.searcher, setup.kb.corpus_id, modes,
                                on_progress=on_progress)
    report = build_report(setup, result, options)
    paths = write_report(report, report_dir)
    for mode, run in result.runs.items():
        write_trec_run(run, Path(report_dir) / f"run-{mode}.tsv", f"kotae-{mode}")
    return RetrievalOutcome(result, report, paths)
