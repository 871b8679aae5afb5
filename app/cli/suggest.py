"""``kotae suggest --ticket FILE|-``: a drafted reply for a ticket, in the terminal.

The ticket is JSON (``{"subject": …, "body": …, "language"?, "product"?, "customer_tier"?}``,
e.g. a line of a tickets export) or plain text (first line the subject, the rest the body).
Registered by ``app.cli`` as ``app.command()(suggest)``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from kotae.app.cli.output import print_json

console = Console()
err = Console(stderr=True)
FIELDS = ("subject", "body", "language", "product", "customer_tier")


def read_ticket(text: str) -> dict[str, str]:
    """The ticket fields from JSON or from plain text (first line: subject)."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data: Any = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(f"the ticket is not valid JSON ({exc.msg})") from None
        return {k: str(data.get(k) or "") for k in FIELDS}
    subject, _, body = stripped.partition("\n")
    return {"subject": subject.strip(), "body": body.strip()}


def suggest(
    ticket: Annotated[str, typer.Option(
        "--ticket", "-t", help="Ticket file (JSON or text: first line subject), or - for stdin.")],
    kb: Annotated[Path | None, typer.Option(
        "--kb", help="KB directory (default: $KOTAE_HOME or ./var/kb).",
        show_default=False)] = None,
    language: Annotated[str, typer.Option(help="Reply language: ja or en (default: detect).")] = "",
    tier: Annotated[str, typer.Option(
        help="Customer plan: free, standard, pro or enterprise.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result.")] = False,
) -> None:
    """Draft a reply to a ticket: citations, similar tickets, triage and escalation."""
    from kotae.app.settings import Settings
    from kotae.kb import KBError
    from kotae.knowledge_base import open_kb
    from kotae.suggest import SuggestError, TicketIn

    try:
        raw = sys.stdin.read() if ticket == "-" else Path(ticket).read_text(encoding="utf-8")
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {ticket}: {exc.strerror}",
                                 param_hint="--ticket") from None
    fields = read_ticket(raw)
    fields["language"] = language or fields.get("language", "")
    fields["customer_tier"] = tier or fields.get("customer_tier", "")
    try:
        settings = Settings(home=kb) if kb else Settings()
        result = open_kb(settings).suggest(TicketIn(**fields))
    except (SuggestError, KBError, ValueError) as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1) from None
    if as_json:
        from kotae.app.api.schemas.suggest import SuggestOut

        print_json(SuggestOut.of(result))
        return
    _show(result)


def _show(result: Any) -> None:
    t = result.triage
    console.print(Panel(escape(result.draft.text), title=f"下書き draft ({result.draft.mode.value},"
                        f" 確度 confidence {result.confidence:.2f})", expand=False))
    for c in result.draft.citations:
        console.print(f"[bold]{c.label}[/] {escape(c.title)} [dim]{escape(c.url)}[/]",
                      soft_wrap=True)
    console.print(f"分類 category: {t.category} ({t.category_confidence:.2f})  "
                  f"優先度 priority: {t.priority} ({t.priority_confidence:.2f})  "
                  f"感情 sentiment: {t.sentiment.label}")
    if t.escalate:
        console.print(f"[bold red]エスカレーション escalate: {t.escalate.reason}[/] — "
                      f"{escape(t.escalate.message)}", soft_wrap=True)
    for s in result.similar_tickets[:3]:
        console.print(f"[dim]類似 similar:[/] {s.ticket_id} {escape(s.subject)} ({s.score:.2f})")
