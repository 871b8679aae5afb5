"""``kotae eval ...``: the benchmark harness on the command line (mounted by ``app.cli``).

Each command parses its options, calls one function of ``eval`` and prints a summary table;
every command writes a report folder (report.md, report.html, results.json). The ``eval``
package is imported inside the commands so ``kotae --help`` stays fast.

Exit status: 0 on success, 2 for bad input (missing files, unknown names), 1 when a run
failed or ``compare --max-drop`` found a regression.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kotae.app.cli.markup import HELP_MARKUP

if TYPE_CHECKING:
    from kotae.eval.rerank_report import RerankOutcome

eval_app = typer.Typer(help="Measure retrieval, deflection, latency and ingestion on public "
                       "datasets; compare two runs.", no_args_is_help=True,
                       rich_markup_mode=HELP_MARKUP)
console = Console()
err = Console(stderr=True)

Beir = Annotated[Path, typer.Option("--beir", help="Dataset folder in the BEIR layout "
                                    "(`kotae eval convert` writes one).", show_default=False)]
KbDir = Annotated[Path | None, typer.Option("--kb", help="KB directory to ingest into and reuse "
                  "(default: a cache folder derived from the corpus fingerprint).",
                  show_default=False)]
ReportDir = Annotated[Path | None, typer.Option("--report", help="Report folder "
                      "(default: eval-reports/COMMAND-DATASET).", show_default=False)]
Fusion = Annotated[str | None, typer.Option(help="Override the fusion: convex or rrf.")]
Bm25Weight = Annotated[float | None, typer.Option(help="Override the fusion weights: BM25 gets "
                       "this, dense 1 - this (the question router and the reading and synonym "
                       "arms keep theirs).")]
Sudachi = Annotated[str | None, typer.Option(help="Override the Sudachi split mode: A, B or C.")]


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress display; yields the (stage, done, total) callback the eval calls.

    When stderr is not a terminal (``nohup``, CI) it prints a plain line every 10 % instead.
    """
    if not err.is_terminal:
        shown: dict[str, int] = {}

        def log_line(stage: str, done: int, total: int) -> None:
            tenth = 10 * done // max(total, 1)
            if shown.get(stage) != tenth:
                shown[stage] = tenth
                err.print(f"{stage}: {done}/{total}", highlight=False)

        yield log_line
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=err) as progress:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield update


@contextmanager
def _errors() -> Iterator[None]:
    """Bad input → exit 2 with the message; a failed run → exit 1; never a stack trace."""
    from kotae.eval.errors import DatasetError, EvalError, UnknownDataset

    try:
        yield
    except (DatasetError, UnknownDataset, ValueError, FileNotFoundError) as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from None
    except (EvalError, OSError) as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err.print("interrupted; embeddings done so far are cached, re-run to continue")
        raise typer.Exit(130) from None


def _report_dir(report: Path | None, command: str, name: str) -> Path:
    return report or Path("eval-reports") / f"{command}-{name}"


def _print_table(title: str, rows: dict[str, dict[str, Any]]) -> None:
    names = list(dict.fromkeys(k for row in rows.values() for k in row))
    table = Table(title=title)
    table.add_column("")
    for name in names:
        table.add_column(name, justify="right")
    for group, row in rows.items():
        table.add_row(group, *(f"{row[n]:.4f}" if isinstance(row.get(n), float) else
                               str(row.get(n, "—")) for n in names))
    console.print(table)


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def _check_dataset(beir: Path) -> None:
    if not (beir / "corpus.jsonl").is_file():
        raise typer.BadParameter(f"{beir}/corpus.jsonl not found; convert the dataset first "
                                 "with `kotae eval convert NAME SRC DEST`", param_hint="--beir")


@eval_app.command()
def retrieval(
    beir: Beir, kb: KbDir = None, report: ReportDir = None,
    mode: Annotated[str, typer.Option(help="bm25, dense, reading, synonym (one arm alone), hybrid "
                    "(the arms fused), default (the whole pipeline: fused, then the second "
                    "stage), a comma list, or all (bm25, dense, hybrid, default).")] = "all",
    fusion: Fusion = None, bm25_weight: Bm25Weight = None, sudachi_mode: Sudachi = None,
) -> None:
    """nDCG@10, Recall@10/100, MRR@10 and Hit@1 per mode, side by side."""
    _check_dataset(beir)
    with _errors():
        from kotae.eval.retrieval import parse_modes
        from kotae.eval.retrieval_report import run_retrieval_eval
        from kotae.eval.setup import EvalOptions

        modes = parse_modes(mode)
        options = EvalOptions(kb_dir=kb, sudachi_mode=sudachi_mode, fusion=fusion,
                              bm25_weight=bm25_weight)
        out_dir = _report_dir(report, "retrieval", beir.name)
        with _progress() as progress:
            outcome = run_retrieval_eval(beir, modes, out_dir, options, progress)
    _print_table(f"Retrieval: {beir.name}", outcome.result.metrics)
    console.print(f"report: {out_dir}/report.md, report.html, results.json")


@eval_app.command()
def rerank(
    beir: Annotated[list[Path] | None, typer.Option("--beir", help="Judged query set(s) in "
                    "the BEIR layout; repeat for several. Without any, the KB's FAQ variants "
                    "and approved learnt phrasings (kotae learn) are the labelled questions.",
                    show_default=False)] = None,
    kb: Annotated[Path | None, typer.Option("--kb", help="The KB to refit: the first --beir "
                  "set is ingested into it (default: a cache folder), or, without --beir, "
                  "the KB whose FAQ variants and learnt phrasings are used.",
                  show_default=False)] = None,
    report: ReportDir = None,
    write: Annotated[bool, typer.Option(help="Save the refit into the KB (rerank.txt) when "
                     "it beats the shipped model on held-back questions.")] = True,
    ship: Annotated[Path | None, typer.Option(help="Write the model fitted on every set "
                    "given (shipped features) to this file instead, e.g. "
                    "retrieval/rerank/default_ranker.txt.", show_default=False)] = None,
) -> None:
    """Refit the second ranking stage on labelled questions and score it honestly.

    Reports, on the same queries, the first stage, the shipped model, the refit cross-fitted
    by query (5 folds) and, with several sets, the transfer from the other sets; saves the
    refit into the KB only when it beats the shipped model there.
    """
    for folder in beir or []:
        _check_dataset(folder)
    if not beir and (kb is None or not kb.is_dir()):
        raise typer.BadParameter("give --beir, or --kb with an ingested KB", param_hint="--kb")
    with _errors():
        from kotae.eval.rerank_report import run_rerank_eval

        name = beir[0].name if beir else (kb.name if kb else "kb")
        out_dir = _report_dir(report, "rerank", name)
        with _progress() as progress:
            outcome = run_rerank_eval(list(beir or []), out_dir, kb, write=write, ship=ship,
                                      on_progress=progress)
    print_rerank(outcome, out_dir)


def print_rerank(outcome: RerankOutcome, out_dir: Path) -> None:
    """What a refit prints (``kotae eval rerank``, ``kotae learn --refit``): each set's table,
    what was written and why, and where the report is."""
    for set_name, rows in outcome.metrics.items():
        _print_table(f"Second stage: {set_name}", rows)
    for note in outcome.report.notes[3:]:
        console.print(escape(note))
    console.print(f"report: {out_dir}/report.md, report.html, results.json")


@eval_app.command()
def convert(
    name: Annotated[str, typer.Argument(help="localgovfaq, jsquad, stackfaq, epqa, clinc150 "
                                        "or banking77.")],
    src: Annotated[Path, typer.Argument(help="The dataset as published (folder or file).")],
    dest: Annotated[Path, typer.Argument(help="Output folder (BEIR layout).")],
    examples: Annotated[int, typer.Option(help="Training utterances per intent "
                                          "(clinc150, banking77).")] = 10,
) -> None:
    """Convert a public dataset into the BEIR layout (no data is copied into the repository)."""
    from kotae.eval.convert import CONVERTERS

    if name.strip().lower() not in CONVERTERS:
        raise typer.BadParameter(f"unknown dataset {name!r}; allowed: "
                                 f"{', '.join(sorted(CONVERTERS))}", param_hint="NAME")
    if not src.exists():
        raise typer.BadParameter(f"{src} does not exist", param_hint="SRC")
    with _errors():
        from kotae.eval.convert import convert as run_convert

        data = run_convert(name, src, dest, examples)
    console.print(f"{data.name or name}: {len(data.corpus):,} documents, "
                  f"{len(data.judged_queries()):,} judged and "
                  f"{len(data.out_of_scope_queries()):,} out-of-scope queries → {dest} "
                  f"(fingerprint {data.fingerprint})")


@eval_app.command()
def perturb(
    beir: Beir,
    kind: Annotated[str, typer.Option(help="hiragana-katakana (katakana words typed in "
                    "hiragana), hiragana (whole queries as read), halfwidth (half-width "
                    "katakana), typo (one character left out or a neighbouring kana on the "
                    "12-key pad), okurigana (other 送り仮名 in one word) or none (as they are, "
                    "with --sample).")],
    out: Annotated[Path, typer.Option("--out", help="Output folder (BEIR layout; the corpus "
                   "and qrels copied, so evaluating it reuses the clean set's KB).")],
    seed: Annotated[int, typer.Option(help="Seed of the random choices (typo, okurigana, "
                                      "--sample).")] = 0,
    sample: Annotated[int | None, typer.Option(help="Keep a random sample of this many "
                      "queries (the same ones for every kind at one seed).", min=1,
                      show_default=False)] = None,
) -> None:
    """Copy a BEIR folder with its queries typed another way (表記ゆれ, typos)."""
    _check_dataset(beir)
    with _errors():
        from kotae.eval.perturb import KINDS, perturb_beir

        if kind not in KINDS:
            raise typer.BadParameter(f"unknown kind {kind!r}; allowed: {', '.join(KINDS)}",
                                     param_hint="--kind")
        stats = perturb_beir(beir, kind, out, seed, sample)
    console.print(f"{kind}: {stats.changed:,} of {stats.queries:,} queries changed → {out}")


@eval_app.command()
def deflection(
    beir: Beir, kb: KbDir = None, report: ReportDir = None,
    target: Annotated[float, typer.Option(help="Precision the threshold must reach.")] = 0.9,
    level: Annotated[float, typer.Option(help="Bootstrap confidence: the threshold must reach "
                     "--target in this share of 200 resamples of the queries. 0: on the "
                     "queries as drawn (point estimate, the choice before; it falls short on "
                     "new queries about half of the time).")] = 0.9,
    min_grade: Annotated[int, typer.Option(help="Lowest qrels grade that counts as a right "
                                           "answer.")] = 1,
    fit: Annotated[bool, typer.Option(help="Also fit the confidence curve (logistic "
                                      "regression) and save it with its threshold; with 200+ "
                                      "questions also boosted trees, saved instead (as "
                                      "confidence.txt) when they beat the curve on held-out "
                                      "questions.")] = True,
    write: Annotated[bool, typer.Option(help="Write the calibration into the KB settings.")
                     ] = True,
    save_to: Annotated[Path | None, typer.Option(help="KB directory to write the calibration "
                       "into (default: the evaluated KB).", show_default=False)] = None,
    ship: Annotated[Path | None, typer.Option(help="Also fit a curve for other KBs (without "
                    "the features shaped by this KB's settings) and write it to this file as "
                    "the default of uncalibrated KBs whose search the shipped second stage "
                    "ranks (retrieval/rerank/default_confidence.json). Run it on a set the "
                    "KB's ranking model was not fitted on (a rerank.txt from other sets).",
                    show_default=False)] = None,
) -> None:
    """Precision / coverage of answering on its own when confidence ≥ t.

    Reports the smallest threshold whose precision reaches the target in --level of
    bootstrap resamples of the queries, and the out-of-scope recall there, and writes the
    chosen calibration into the KB's settings.
    """
    _check_dataset(beir)
    with _errors():
        from kotae.eval.deflection_report import run_deflection_eval
        from kotae.eval.setup import EvalOptions

        out_dir = _report_dir(report, "deflection", beir.name)
        with _progress() as progress:
            outcome = run_deflection_eval(beir, out_dir, EvalOptions(kb_dir=kb), target,
                                          min_grade, fit, save_to, write, progress,
                                          level=level or None, ship=ship)
    columns = ("auroc", "threshold", "precision", "coverage", "oos_recall")
    bound = f", level {level:.2f}" if level else ", point estimate"
    _print_table(f"Deflection: {beir.name} (target precision {target:.2f}{bound})",
                 {name: {c: row[c] for c in columns}
                  for name, row in outcome.report.results["metrics"].items()})
    for note in outcome.report.notes[3:]:
        console.print(escape(note))
    console.print(f"report: {out_dir}/report.md, report.html, results.json")


@eval_app.command()
def latency(
    kb: Annotated[Path, typer.Option("--kb", help="An ingested KB directory.")],
    report: ReportDir = None,
    n: Annotated[int, typer.Option("-n", "--n", help="Queries to send.", min=1)] = 500,
    concurrency: Annotated[int, typer.Option("-c", "--concurrency", help="Queries in flight.",
                                             min=1)] = 4,
    queries: Annotated[Path | None, typer.Option(help="queries.jsonl or a text file (default: "
                       "sentences of the KB).", show_default=False)] = None,
    workers: Annotated[int, typer.Option(help="Server processes (kotae serve --workers).",
                                         min=1, max=64)] = 1,
    chunks: Annotated[int | None, typer.Option(
        help="Measure on a KB of this many chunks made from --kb: its documents copied "
        "round after round (titles numbered), their vectors with small noise, so nothing is "
        "embedded; queries still come from --kb.", min=1, show_default=False)] = None,
    synthetic_kb: Annotated[Path | None, typer.Option(
        help="Where --chunks keeps that KB (default: beside --kb, named KB-N); reused when it "
             "was made from the same KB at the same size.", show_default=False)] = None,
    endpoint: Annotated[str, typer.Option(
        help="What kotae is timed on: search (GET /v1/search), deflect (POST /v1/deflect, "
             "each query as a customer's question) or suggest (POST /v1/suggest, each query "
             "as a ticket's body).")] = "search",
) -> None:
    """p50/p95/p99 and queries/s of the real server vs the embed-only floor (the embedder alone)
    and a LangChain FAISS baseline, one after the other on the same queries."""
    if not kb.is_dir():
        raise typer.BadParameter(f"{kb} is not a directory", param_hint="--kb")
    from kotae.eval.latency import ENDPOINTS

    if endpoint not in ENDPOINTS:
        raise typer.BadParameter(f"{endpoint!r} is not one of {', '.join(ENDPOINTS)}",
                                 param_hint="--endpoint")
    with _errors():
        from kotae.eval.perf_report import run_latency_eval

        served = kb
        with _progress() as progress:
            if chunks is not None:
                from kotae.eval.synthetic_kb import make_synthetic_kb

                served = make_synthetic_kb(
                    kb, synthetic_kb or kb.with_name(f"{kb.name}-{chunks}"), chunks,
                    on_progress=progress)
            out_dir = _report_dir(report, "latency", served.name)
            outcome = run_latency_eval(served, out_dir, n, concurrency, queries,
                                       on_progress=progress, workers=workers, queries_kb=kb,
                                       endpoint=endpoint)
    metrics = dict(outcome.report.results["metrics"])
    ratio, floor = metrics.pop("ratio"), metrics.pop("ratio_to_floor")
    columns = ("p50_ms", "p95_ms", "p99_ms", "qps", "errors")
    _print_table(f"Latency: {n} queries at concurrency {concurrency} (kotae: {endpoint})",
                 {name: {c: row[c] for c in columns} for name, row in metrics.items()})
    console.print(f"kotae / baseline: qps ×{ratio['qps']:.2f}, p50 ×{ratio['p50']:.2f}, "
                  f"p99 ×{ratio['p99']:.2f} (baseline in-process without HTTP)")
    console.print(f"kotae / embed-only floor: qps ×{floor['qps']:.2f}, p50 ×{floor['p50']:.2f}, "
                  f"p99 ×{floor['p99']:.2f}")
    console.print(f"report: {out_dir}/report.md, report.html, results.json")


@eval_app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Sources to ingest (files or "
                     "folders).", show_default=False)] = None,
    beir: Annotated[Path | None, typer.Option("--beir", help="Or: the corpus of a BEIR folder.",
                                              show_default=False)] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N corpus documents (--beir).",
                                              min=1)] = None,
    report: ReportDir = None,
) -> None:
    """Documents/s and tokens/s of ingestion into a fresh KB, and the embedder's share."""
    if not paths and beir is None:
        raise typer.BadParameter("give source paths or --beir DIR", param_hint="PATHS")
    if beir is not None:
        _check_dataset(beir)
    with _errors():
        import shutil

        from kotae.eval.perf_report import beir_sources, run_ingest_eval

        temp = beir_sources(beir, limit) if beir else None
        sources = list(paths or []) + ([temp] if temp else [])
        label = ", ".join([*(str(p) for p in paths or []), *([f"{beir} (corpus"
                          f"{f', first {limit}' if limit else ''})"] if beir else [])])
        out_dir = _report_dir(report, "ingest", beir.name if beir else Path(sources[0]).name)
        try:
            with _progress() as progress:
                outcome = run_ingest_eval(sources, out_dir, on_progress=progress, label=label)
        finally:
            if temp:
                shutil.rmtree(temp, ignore_errors=True)
    metrics = outcome.report.results["metrics"]["ingest"]
    table = Table(title=f"Ingestion: {label}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in metrics.items():
        table.add_row(key, f"{value:,.4g}" if isinstance(value, float) else str(value))
    console.print(table)
    console.print(f"report: {out_dir}/report.md, report.html, results.json")


@eval_app.command()
def compare(
    a: Annotated[Path, typer.Argument(help="results.json (or report folder) before.")],
    b: Annotated[Path, typer.Argument(help="results.json (or report folder) after.")],
    metric: Annotated[str, typer.Option(help="Per-query metric for worse queries.")] = "ndcg@10",
    show: Annotated[int, typer.Option(help="How many worse queries to list.")] = 20,
    max_drop: Annotated[float | None, typer.Option(help="Exit 1 if any metric got worse by "
                        "more than this.", show_default=False)] = None,
) -> None:
    """Per-metric deltas (B − A) and the queries that got worse."""
    with _errors():
        from kotae.eval.compare import compare_results
        from kotae.eval.report import read_results

        result = compare_results(read_results(a), read_results(b), metric)
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")
    table = Table(title=f"{a} → {b}")
    for col in ("group", "metric", "A", "B", "Δ"):
        table.add_column(col, justify="left" if col in ("group", "metric") else "right")
    for d in result.deltas:
        style = "red" if d.worse() else ("green" if (d.delta or 0) != 0 else "")
        delta = f"[{style}]{_fmt(d.delta)}[/]" if style else _fmt(d.delta)
        table.add_row(d.group, d.metric, _fmt(d.a), _fmt(d.b), delta)
    console.print(table)
    worse = result.worse_queries
    console.print(f"{len(worse)} queries got worse, "
                  f"{sum(result.better_queries.values())} better ({metric}):")
    for change in worse[:show]:
        console.print(f"  {change.group} {escape(change.qid)}: {change.a:.4f} → {change.b:.4f}")
    if max_drop is not None and result.regressions(max_drop):
        raise typer.Exit(1)
