"""``kotae learn``: harvest phrasings from use, approve what the KB's policy approves, publish.

Registered by ``app.cli`` as ``app.command("learn")(learn)``.

Example:
    $ kotae learn                       # tickets, used drafts, votes, accepted gaps
    $ kotae learn --source ticket --no-publish
    $ kotae learn --list                # the candidates waiting for an editor
    $ kotae learn --refit               # and refit the second stage, calibrate the confidence
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from kotae.knowledge_base import KnowledgeBase

console = Console()
err = Console(stderr=True)
SOURCE_NAMES = {"ticket": "過去の問い合わせ tickets", "suggestion": "採用された下書き used drafts",
                "vote": "「はい」の投票 helpful votes", "gap": "採用したギャップ accepted gaps"}


def learn(
    kb: Annotated[Path | None, typer.Option(
        "--kb", help="KB directory (default: $KOTAE_HOME or ./var/kb).",
        show_default=False)] = None,
    source: Annotated[list[str] | None, typer.Option(
        "--source", help="Harvest only this source (ticket, suggestion, vote, gap); "
        "repeatable. Default: all.", show_default=False)] = None,
    publish: Annotated[bool, typer.Option(
        help="Publish a new index afterwards, so the approved phrasings train the question "
        "router (only new wordings are embedded).")] = True,
    show: Annotated[bool, typer.Option(
        "--list", help="Only list the candidates waiting for an editor; harvest nothing.")
    ] = False,
    refit: Annotated[bool, typer.Option(
        "--refit", help="Then refit the second ranking stage on the KB's FAQ variants and "
        "approved phrasings and fit the confidence again for it; kept only when, on held-back "
        "ones, it ranks better than the shipped model and its confidence is not worse. Needs "
        "50 such questions. A running server ranks with it from its next question.")] = False,
    report_dir: Annotated[Path | None, typer.Option(
        "--report", help="With --refit: the report folder (default: "
        "eval-reports/rerank-KBNAME).", show_default=False)] = None,
) -> None:
    """Learn how customers ask: phrasings from past tickets (linked to the FAQ entry or article
    the agent's reply used), drafts agents used, answers customers voted helpful and accepted
    gaps. Candidates whose score reaches the KB's auto-approve threshold
    (KOTAE_LEARN_AUTO_APPROVE) are approved; the rest wait for an editor (/content, or
    /v1/phrasings). With --refit, the second ranking stage and the confidence are then fitted
    again on the KB's labelled questions."""
    from kotae.app.settings import Settings
    from kotae.kb import KBError
    from kotae.knowledge_base import open_kb
    from kotae.suggest.learning import LearnPolicy

    try:
        settings = Settings(home=kb) if kb else Settings()
        policy = LearnPolicy(sources=tuple(dict.fromkeys(source)) if source else
                             LearnPolicy().sources,
                             auto_approve=settings.learn_auto_approve,
                             min_voters=settings.learn_min_voters)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    knowledge = open_kb(settings)
    try:
        if show:
            _print_queue(knowledge)
            return
        with console.status("学習しています… (harvesting)") as status:
            report, build = knowledge.learn(policy, publish=publish, on_source=lambda s:
                                            status.update(f"{SOURCE_NAMES[s]} を確認しています…"))
    except KBError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1) from None
    table = Table("source", "found", "candidates", "approved", "rejected")
    for name in policy.sources:
        table.add_row(SOURCE_NAMES[name], str(report.found.get(name, 0)),
                      str(report.counts["candidate"].get(name, 0)),
                      str(report.counts["approved"].get(name, 0)),
                      str(report.counts["rejected"].get(name, 0)))
    console.print(table)
    console.print(f"new candidates: {report.added}, approved now by the policy: "
                  f"{report.approved}")
    if build is not None:
        console.print(f"index {'published' if build.published else 'unchanged'}: the question "
                      f"router knows {build.manifest.router_phrasings} phrasings of "
                      f"{build.manifest.router_entries} entries")
    waiting = sum(report.counts["candidate"].values())
    if waiting:
        console.print(f"{waiting} candidates wait for an editor: /content or `kotae learn --list`")
    if refit:
        _refit(knowledge.home, report_dir or Path("eval-reports") / f"rerank-{knowledge.home.name}")


def _refit(home: Path, out_dir: Path) -> None:
    """The second stage refitted on what the KB now knows, and its confidence calibrated."""
    from kotae.app.cli.eval import print_rerank
    from kotae.eval.errors import DatasetError
    from kotae.eval.rerank_report import run_rerank_eval

    try:
        with console.status("第2段階のランキングを学習し直しています… (refitting)"):
            outcome = run_rerank_eval([], out_dir, home, write=True)
    except DatasetError as exc:  # too few questions: the shipped model keeps serving
        console.print(f"[yellow]refit skipped:[/] {escape(str(exc))}", soft_wrap=True)
        return
    print_rerank(outcome, out_dir)
    if outcome.saved_to is not None:
        console.print("a running `kotae serve` ranks with the refit from its next question")


def _print_queue(knowledge: KnowledgeBase) -> None:
    items = knowledge.phrasings.find(status="candidate", limit=200)
    if not items:
        console.print("承認待ちの言い回しはありません (no candidates).")
        return
    table = Table("id", "document", "wording", "source", "score")
    titles: dict[str, str] = {}
    for p in items:
        if p.doc_id not in titles:
            doc = knowledge.store.get_document(p.doc_id)
            titles[p.doc_id] = doc.title if doc else "(gone)"
        table.add_row(str(p.id), escape(titles[p.doc_id][:40]), escape(p.text[:60]), p.source,
                      f"{p.score:.2f}")
    console.print(table)
