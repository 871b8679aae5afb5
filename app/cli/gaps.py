"""``kotae gaps``: the FAQ-gap report in the terminal, as JSON, or written into a folder.

Registered by ``app.cli`` as ``app.command("gaps")(gaps)``.

Example:
    $ kotae gaps --since 30d --min-size 3 --out report/
    $ kotae gaps --accept 3f2a9c0d1e2b     # the proposal becomes an internal draft FAQ entry
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kotae.app.cli.output import print_json

if TYPE_CHECKING:
    from kotae.suggest.gaps import GapReport

console = Console()
err = Console(stderr=True)
TRENDS = {"new": "新規 new", "rising": "増加 rising", "steady": "横ばい steady",
          "falling": "減少 falling"}


def gaps(
    kb: Annotated[Path | None, typer.Option(
        "--kb", help="KB directory (default: $KOTAE_HOME or ./var/kb).",
        show_default=False)] = None,
    since: Annotated[str, typer.Option(help="Questions from this far back: 30d, 8w, 6m, 1y "
                                       "or all.")] = "30d",
    min_size: Annotated[int, typer.Option(
        "--min-size", min=1, help="Questions a gap needs at least.")] = 3,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write gaps.csv, duplicates.csv, stale.csv, weeks.csv, gaps.md and "
        "gaps.html (with charts) into this folder.", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report.")] = False,
    accept: Annotated[str | None, typer.Option(
        "--accept", metavar="GAP_ID", help="Store this gap's proposal as a draft FAQ entry "
        "(internal until published) and publish the index.", show_default=False)] = None,
) -> None:
    """Questions customers ask that the FAQ does not answer, grouped, with proposed entries."""
    from kotae.app.settings import Settings
    from kotae.kb import KBError
    from kotae.knowledge_base import open_kb
    from kotae.suggest.gaps import GapOptions, GapsError, accept_proposal, write_report
    from kotae.suggest.gaps.timeline import parse_since

    try:
        settings = Settings(home=kb) if kb else Settings()
        options = GapOptions(since_days=parse_since(since), min_size=min_size)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    try:
        knowledge = open_kb(settings)
        with console.status("レポートを作成しています… (building the report)"):
            report = knowledge.gap_analyser(options).report()
        if accept:
            gap = report.gap(accept)
            if gap is None:
                err.print(f"[red]error:[/] no gap {escape(accept)} in this report (same --since "
                          "and --min-size as the report you took the id from?)")
                raise typer.Exit(1)
            doc = accept_proposal(knowledge.store, gap, accepted_by="cli")
            knowledge.publish()
            console.print(f"draft FAQ entry {doc.id} (internal, status draft): "
                          f"{escape(doc.question)}")
            return
    except (KBError, GapsError) as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1) from None
    if as_json:
        from kotae.app.api.schemas.gaps import GapReportOut

        print_json(GapReportOut.of(report))
    else:
        _print(report)
    if out is not None:
        for path in write_report(report, out):
            console.print(f"wrote {escape(str(path))}")


def _print(report: GapReport) -> None:
    since = report.since[:10] if report.since else "all time"
    console.print(f"未回答の質問 unanswered questions: {report.candidates} (since {since}), "
                  f"gaps: {len(report.gaps)}, unclustered: {report.unclustered}")
    table = Table(show_lines=True)
    for col in ("#", "gap", "questions", "trend", "last seen", "proposed entry"):
        table.add_column(col)
    for n, gap in enumerate(report.gaps, 1):
        p = gap.proposal
        cited = ", ".join(c.ticket_id or c.doc_id for c in p.citations)
        table.add_row(str(n), f"[bold]{escape(gap.label)}[/]\n[dim]{gap.id}[/]\n" +
                      "\n".join(escape(q) for q in gap.representatives[:3]),
                      str(gap.size), TRENDS.get(gap.trend, gap.trend), gap.last_seen[:10],
                      f"Q: {escape(p.question)}\n{escape(p.answer[:300])}" +
                      (f"\n[dim]cited: {escape(cited)}[/]" if cited else ""))
    console.print(table if report.gaps else "ギャップは見つかりませんでした (no gaps).")
    for d in report.duplicates:
        console.print(f"duplicate: {escape(d.title_a)} ↔ {escape(d.title_b)} — {d.reason}")
    for s in report.stale:
        console.print(f"stale: {escape(s.title)} — {s.reason}")
