"""``kotae keys create|list|revoke``: the API keys of one KB, stored hashed in its database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kotae.app.cli.markup import HELP_MARKUP
from kotae.app.settings import Settings

keys_app = typer.Typer(help="API keys of a KB: create (shown once), list, revoke.",
                       no_args_is_help=True, rich_markup_mode=HELP_MARKUP)
console = Console()
err = Console(stderr=True)

KbOption = Annotated[Path | None, typer.Option(
    "--kb", help="KB directory (default: $KOTAE_HOME or ./var/kb).", show_default=False)]


def _keys(kb: Path | None):  # type: ignore[no-untyped-def]
    from kotae.knowledge_base import open_kb

    try:
        settings = Settings(home=kb) if kb else Settings()
    except ValueError as exc:
        err.print(f"[red]error:[/] invalid settings: {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from None
    return open_kb(settings).keys


@keys_app.command("create")
def create(
    role: Annotated[str, typer.Option(help="agent, editor or admin.", show_default=False)],
    name: Annotated[str, typer.Option(help="Who or what uses the key (kept with it).",
                                      show_default=False)],
    kb: KbOption = None,
) -> None:
    """Make a key and print it once: only its hash is stored, it cannot be shown again."""
    try:
        made = _keys(kb).create(role, name)
    except ValueError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from None
    err.print(f"created {made.key.role} key {made.key.id} for {escape(made.key.name)}; "
              "copy it now, it is not shown again:")
    print(made.secret)  # alone on stdout, for scripts


@keys_app.command("list")
def list_keys(kb: KbOption = None,
              all_keys: Annotated[bool, typer.Option("--all", help="Also revoked keys.")] = False,
              ) -> None:
    """The KB's keys (never the keys themselves: their id, role, name and first characters)."""
    keys = _keys(kb).list(include_revoked=all_keys)
    if not keys:
        console.print("no keys (make one with: kotae keys create --role agent --name NAME)")
        return
    table = Table("id", "role", "name", "starts with", "created", "revoked")
    for key in keys:
        table.add_row(key.id, key.role, escape(key.name), key.prefix + "…", key.created_at,
                      key.revoked_at or "")
    console.print(table)


@keys_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id (or the characters it "
                                                 "starts with, as `list` shows them).")],
           kb: KbOption = None) -> None:
    """Revoke a key: every request and page session with it is refused from now on."""
    try:
        key = _keys(kb).revoke(key_id.rstrip("…"))
    except LookupError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(f"revoked {key.role} key {key.id} ({escape(key.name)}) at {key.revoked_at}")
