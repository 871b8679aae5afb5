"""The ``kotae`` command line: ingest, search, serve (and ``kotae eval``)."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kotae.app.cli.markup import HELP_MARKUP
from kotae.app.cli.output import print_json
from kotae.app.cli.suggest import suggest as suggest_command
from kotae.app.settings import Settings

if TYPE_CHECKING:
    from kotae.knowledge_base import KnowledgeBase

app = typer.Typer(help="kotae (答え): a Japanese-first knowledge base for support teams.",
                  no_args_is_help=True, add_completion=False, rich_markup_mode=HELP_MARKUP)
console = Console()
err = Console(stderr=True)

# On SIGTERM, how long requests in flight may take to finish (Kubernetes kills at 30 s).
GRACEFUL_SHUTDOWN_S = 20

KbOption = Annotated[Path | None, typer.Option(
    "--kb", help="KB directory (default: $KOTAE_HOME or ./var/kb).", show_default=False)]


def _settings(kb: Path | None) -> Settings:
    try:
        return Settings(home=kb) if kb else Settings()
    except ValueError as exc:
        err.print(f"[red]error:[/] invalid settings: {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from None


def _loaded_kb(settings: Settings, load: bool = True) -> KnowledgeBase:
    """The KB with its index loaded (or, ``load=False``, only checked: no model or index in
    memory); a damaged index (or one built by another embedder) stops here with one line
    saying what to do, before the server starts."""
    from kotae.kb import KBError, SnapshotNotFound
    from kotae.knowledge_base import open_kb

    kb = open_kb(settings)
    try:
        if load:
            kb.searcher.warm_up()
        else:
            kb.searcher.check()
    except SnapshotNotFound:
        pass  # served without an index until one is published (the app logs it)
    except KBError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1) from None
    return kb


def _check_redis(settings: Settings) -> None:
    """A configured Redis (``KOTAE_REDIS_URL``) that does not answer stops the start with one
    line, rather than each worker failing on its own."""
    from kotae.kb.rate_buckets import RedisBucketStore, StoreUnavailable

    if settings.redis_url and settings.rate_limit_per_minute > 0:
        try:
            RedisBucketStore.connect(settings.redis_url, "", keep=1.0).redis.close()
        except StoreUnavailable as exc:
            err.print(f"[red]error:[/] KOTAE_REDIS_URL: {escape(str(exc))}", soft_wrap=True)
            raise typer.Exit(1) from None


def _mounts(settings: Settings, specs: list[str]) -> dict[str, Settings]:
    """``["hr=/srv/kb-hr"]`` → ``{"hr": Settings(home=/srv/kb-hr)}``; bad specs exit 2."""
    from kotae.app.api.factory import KB_NAME, mount_settings

    out: dict[str, str] = {}
    for spec in specs:
        name, sep, folder = spec.partition("=")
        name = name.strip()
        if not sep or not folder.strip() or not KB_NAME.fullmatch(name) or name in out:
            raise typer.BadParameter(f"{spec!r}: use NAME=DIR with a unique NAME of a-z 0-9 _ -",
                                     param_hint="--mount")
        out[name] = folder.strip()
    return mount_settings(settings, out)


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Files or folders: .md .txt .html .pdf .docx .pptx (articles), .csv .xlsx (FAQ; "
        "Freshdesk ticket CSV), .jsonl .json (tickets; Zendesk export).",
        show_default=False)] = None,
    kb: KbOption = None,
    visibility: Annotated[str | None, typer.Option(
        help="Default visibility for documents that do not set one: public or internal.")] = None,
    product: Annotated[str, typer.Option(help="Default product for these documents.")] = "",
    prune: Annotated[bool, typer.Option(
        help="Remove documents whose source files no longer exist.")] = False,
    rebuild: Annotated[bool, typer.Option(
        help="Publish a new index even if nothing changed (after changing the embedder, or "
        "over a damaged one); without PATHS, from the documents already stored."),
    ] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Say what would change (and how much to embed); change nothing.")
    ] = False,
    report: Annotated[bool, typer.Option(
        "--report", help="Show the quarantine: files and rows skipped, with the reason.")
    ] = False,
    ray: Annotated[str | None, typer.Option(
        "--ray", metavar="ADDRESS", help="Load, chunk and embed on a Ray cluster "
        "(ray://host:10001, auto), or 'local' to start Ray here. Needs kotae[ray].",
        show_default=False)] = None,
    db_url: Annotated[str | None, typer.Option(
        "--db-url", help="Store database URL (default: $KOTAE_DATABASE_URL or SQLite in --kb).",
        show_default=False)] = None,
    columns: Annotated[str, typer.Option(
        help="Map export columns to fields, e.g. 'id=チケット番号,subject=件名,body=内容,"
        "reply=回答' (CSV/JSONL/JSON exports).")] = "",
) -> None:
    """Add or update documents, then publish a new index (unchanged text is not re-embedded).

    Exit status: 0 when everything was ingested, 3 when some files or lines were skipped
    (they are listed and kept in the quarantine, see --report), 1 on an error that stopped the
    run (the previous index keeps serving).
    """
    from kotae.app.cli.ingest import ingest_command

    ingest_command(_settings(kb), paths or [], visibility=visibility, product=product,
                   prune=prune, rebuild=rebuild, dry_run=dry_run, report=report, ray=ray,
                   db_url=db_url, columns=columns)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="The question or keywords.")],
    kb: KbOption = None,
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=100, help="Number of hits.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result.")] = False,
    kind: Annotated[str | None, typer.Option(help="faq, manual or ticket.")] = None,
    visibility: Annotated[str | None, typer.Option(help="public or internal.")] = None,
    lang: Annotated[str | None, typer.Option(help="Only this language (ja, en).")] = None,
    product: Annotated[str | None, typer.Option(help="Only this product.")] = None,
) -> None:
    """Search the KB as an agent (all documents; --visibility public shows what customers see)."""
    from kotae.kb import Audience, KBError, Kind, Visibility, parse_enum
    from kotae.knowledge_base import open_kb
    from kotae.retrieval import SearchFilter

    try:
        filters = SearchFilter(
            kinds=frozenset({parse_enum(Kind, kind, "kind")}) if kind else frozenset(),
            visibilities=(frozenset({parse_enum(Visibility, visibility, "visibility")})
                          if visibility else frozenset()),
            languages=frozenset({lang.lower()}) if lang else frozenset(),
            products=frozenset({product}) if product else frozenset(),
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    try:
        result = open_kb(_settings(kb)).search(query, audience=Audience.AGENT, k=k,
                                               filters=filters)
    except KBError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1) from None
    if as_json:
        from kotae.app.api.schemas.common import SearchOut

        print_json(SearchOut.of(result))
        return
    table = Table(title=f"{query}  (確度 confidence {result.confidence:.2f})", show_lines=True)
    for col in ("#", "score", "kind", "title / snippet"):
        table.add_column(col)
    for i, hit in enumerate(result.hits, 1):
        label = hit.kind.value + (" 🔒" if hit.visibility.value == "internal" else "")
        table.add_row(str(i), f"{hit.score:.3f}", label,
                      f"[bold]{hit.title}[/]\n{hit.snippet}\n[dim]{hit.url}[/]")
    console.print(table if result.hits else "該当する文書が見つかりませんでした (no hits).")


@app.command(help="Serve the HTTP API and the pages (http://HOST:PORT/). One access line per "
             "request (method, route template, status, duration, request id; never the "
             "query); Prometheus metrics at /metrics (admin key); SIGTERM lets requests in "
             "flight finish. --workers N runs N processes on the port (a dead one is "
             "replaced), each following the published snapshot; rate limits are then counted "
             "in the KB's database (or in Redis: KOTAE_REDIS_URL) and /metrics adds up all of "
             "them.")
def serve(
    kb: KbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, max=64, show_default=False,
        help="Server processes (default: $KOTAE_WORKERS or 1). Each loads the KB and its "
        "models, so memory grows with N; on a machine with C cores, N = C serves the most.")
    ] = None,
    log_format: Annotated[str | None, typer.Option(
        "--log-format", metavar="json|text", show_default=False,
        help="Log lines as JSON objects or as text; each carries its request id (default: "
        "$KOTAE_LOG_FORMAT or text).")] = None,
    mount: Annotated[list[str] | None, typer.Option(
        "--mount", metavar="NAME=DIR", help="Also serve the KB in DIR under /kb/NAME/ (repeat "
        "for more). Each KB has its own keys (kotae keys create --kb DIR); KOTAE_API_KEYS "
        "apply to the --kb one only.", show_default=False)] = None,
) -> None:
    """Serve the HTTP API and the pages (the help text is the decorator's)."""
    import uvicorn

    from kotae.app.api import create_app
    from kotae.app.api.logs import LOG_FORMATS, configure_logging

    settings = _settings(kb)
    log_format = (log_format or settings.log_format).lower()
    if log_format not in LOG_FORMATS:
        raise typer.BadParameter(f"{log_format!r}: use json or text", param_hint="--log-format")
    settings = settings.model_copy(update={"workers": workers or settings.workers,
                                           "log_format": log_format})
    configure_logging(log_format, logging.INFO)
    mounts = _mounts(settings, mount or [])
    _check_redis(settings)
    one = settings.workers == 1  # else each worker loads the KB itself: only check it here
    served = _loaded_kb(settings, load=one)
    for name, other in mounts.items():
        _loaded_kb(other, load=False).close()  # a damaged index stops the start, file named
        console.print(f"kotae: serving {other.home} on http://{host}:{port}/kb/{name}/")
    console.print(f"kotae: serving {settings.home} on http://{host}:{port}/"
                  + (f" with {settings.workers} worker processes" if settings.workers > 1 else ""))
    # uvicorn's own loggers go through ours (log_config=None); its access line, which shows
    # the query string, is replaced by kotae's.
    options: dict[str, Any] = {
        "host": host, "port": port, "log_level": "info", "log_config": None,
        "access_log": False, "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S}
    if not one:
        served.close()
        _serve_workers(settings, mounts, options)
        return
    # On SIGTERM uvicorn stops taking connections, lets the requests in flight finish, then
    # raises the signal again: a stop done cleanly exits 0 instead of dying by the signal.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(create_app(settings, mounts=mounts, kb=served), **options)


def _serve_workers(settings: Settings, mounts: dict[str, Settings],
                   options: dict[str, Any]) -> None:
    """uvicorn's supervisor: ``settings.workers`` processes share the socket, each builds its
    app with ``app_from_environment`` from the environment set here, a dead one is replaced,
    SIGTERM stops them all after their requests in flight. Prometheus' multiprocess mode
    needs a folder the workers write their series to (``PROMETHEUS_MULTIPROC_DIR``, set before
    they start); one made here is removed at the end. Each worker's embedder keeps its OpenMP
    threads on every core (with the passive wait policy): measured on 2 cores, splitting the
    cores between 2 workers (OMP_NUM_THREADS=1) made a lone query 20 % slower and served no
    more queries per second at concurrency 8 (docs/benchmarks.md, "Several processes")."""
    import json
    import os
    import shutil
    import tempfile

    import uvicorn

    from kotae.app.api.factory import MOUNTS_ENV

    os.environ.update({
        "KOTAE_HOME": str(settings.home.resolve()), "KOTAE_WORKERS": str(settings.workers),
        "KOTAE_LOG_FORMAT": settings.log_format,
        MOUNTS_ENV: json.dumps({name: str(m.home.resolve()) for name, m in mounts.items()})})
    made = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        made = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="kotae-metrics-")
    try:
        uvicorn.run("kotae.app.api.factory:app_from_environment", factory=True,
                    workers=settings.workers, **options)
    finally:
        if made:
            shutil.rmtree(made, ignore_errors=True)


app.command("suggest")(suggest_command)


def _mount_gaps() -> None:
    from kotae.app.cli.gaps import gaps

    app.command("gaps")(gaps)


_mount_gaps()


def _mount_learn() -> None:
    from kotae.app.cli.learn import learn

    app.command("learn")(learn)


_mount_learn()


def _mount_eval() -> None:
    try:
        from kotae.app.cli.eval import eval_app
    except ImportError:  # the eval commands need kotae[eval]
        return
    app.add_typer(eval_app, name="eval")


_mount_eval()


def _mount_models() -> None:
    from kotae.app.cli.models import models_app

    app.add_typer(models_app, name="models")


_mount_models()


def _mount_keys() -> None:
    from kotae.app.cli.keys import keys_app

    app.add_typer(keys_app, name="keys")


_mount_keys()


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
