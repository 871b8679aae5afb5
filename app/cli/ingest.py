"""The ``kotae ingest`` command's body: options to a run, a run to a report and an exit status.

Example:
    >>> ingest_command(Settings(), [Path("kb/sample_kb")], dry_run=True)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kotae.app.settings import Settings

if TYPE_CHECKING:
    from kotae.knowledge_base import IngestOutcome

console = Console()
err = Console(stderr=True)
EXIT_SKIPPED = 3  # ingest finished but some files or lines were skipped


def parse_columns(text: str) -> dict[str, str]:
    """``"id=番号,body=内容"`` → ``{"id": "番号", "body": "内容"}``.

    >>> parse_columns("id=チケット番号, subject=件名")
    {'id': 'チケット番号', 'subject': '件名'}
    """
    out: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        ours, sep, theirs = item.partition("=")
        if not sep or not ours.strip() or not theirs.strip():
            raise typer.BadParameter(f"{item!r} is not field=column", param_hint="--columns")
        out[ours.strip()] = theirs.strip()
    return out


def show_quarantine(settings: Settings) -> int:
    from kotae.ingest.quarantine import Quarantine

    entries = Quarantine(settings.home).entries()
    if not entries:
        console.print("quarantine: empty (every file loaded)")
        return 0
    console.print(f"quarantine: {len(entries)} skipped")
    for entry in entries:
        console.print(f"  - {escape(str(entry))}", soft_wrap=True, highlight=False)
    return len(entries)


def _print_outcome(settings: Settings, outcome: IngestOutcome, dry_run: bool) -> None:
    report, build = outcome.report, outcome.build
    c = report.counts
    verb = "would be " if dry_run else ""
    console.print(f"files: {report.files}  {verb}added: {c.added}  {verb}updated: {c.updated}  "
                  f"unchanged: {c.unchanged}  {verb}removed: {c.removed}")
    if report.moved:
        gone, now = report.moved[0]
        more = f" and {len(report.moved) - 1} more" if len(report.moved) > 1 else ""
        console.print(f"{verb}moved: {len(report.moved)} file(s) keep their documents and ids "
                      f"({escape(gone)} → {escape(now)}{more})", soft_wrap=True, highlight=False)
    if dry_run or build is None:
        console.print(f"dry run: nothing changed; {outcome.would_embed} chunk(s) would be "
                      "embedded, with their sentences (a few per chunk, for the second "
                      "ranking stage and the composer)")
        return
    state = "published" if build.published else "unchanged (nothing to publish)"
    console.print(f"index {state}: {build.manifest.documents} documents, "
                  f"{build.manifest.chunks} chunks, {build.embedded} newly embedded "
                  f"→ {escape(str(settings.home))}", soft_wrap=True)


def ingest_command(settings: Settings, paths: list[Path], *, visibility: str | None = None,
                   product: str = "", prune: bool = False, rebuild: bool = False,
                   dry_run: bool = False, report: bool = False, ray: str | None = None,
                   db_url: str | None = None, columns: str = "") -> None:
    from kotae.ingest import Defaults
    from kotae.kb import KBError, Visibility, parse_enum
    from kotae.knowledge_base import IngestProgress, open_kb
    from kotae.models import ModelError

    if db_url:
        settings = settings.model_copy(update={"database_url": db_url})
    if not paths and not rebuild:  # --rebuild alone rebuilds the index from the store
        if report:
            raise typer.Exit(EXIT_SKIPPED if show_quarantine(settings) else 0)
        raise typer.BadParameter("give files or folders to ingest (or --report alone, or "
                                 "--rebuild alone to rebuild the index of the stored documents)")
    try:
        vis = parse_enum(Visibility, visibility, "visibility") if visibility else None
        defaults = Defaults(visibility=vis, product=product, columns=parse_columns(columns))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    columns_ = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn())
    with Progress(*columns_, console=err, transient=False) as bar:
        files = bar.add_task("ファイル読み込み (reading)", total=None)
        embed = bar.add_task("埋め込み (embedding)", total=None, visible=False)
        progress = IngestProgress(
            on_files=lambda n: bar.update(files, total=n),
            on_file=lambda _p: bar.advance(files),
            on_embed=lambda d, t: bar.update(embed, completed=d, total=t, visible=True),
        )
        try:
            outcome = open_kb(settings).ingest(paths, defaults, prune=prune, rebuild=rebuild,
                                               progress=progress, dry_run=dry_run,
                                               ray_address=ray)
        except (KBError, ModelError, ValueError, OSError) as exc:
            err.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
            raise typer.Exit(1) from None
        bar.update(files, completed=bar.tasks[files].total or 0)
    _print_outcome(settings, outcome, dry_run)
    problems = outcome.report.problems
    if report and not dry_run:
        show_quarantine(settings)
    elif problems:
        err.print(f"[yellow]skipped {len(problems)}:[/]")
        for problem in problems:
            err.print(f"  [yellow]-[/] {escape(str(problem))}", soft_wrap=True)
    if problems:
        raise typer.Exit(EXIT_SKIPPED)
