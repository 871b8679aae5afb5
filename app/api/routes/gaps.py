"""``GET /v1/gaps`` (the FAQ-gap report), ``POST /v1/gaps/{id}/accept`` (a draft FAQ entry)
and ``GET /v1/gaps/export.csv|.md``. Editors and admins only.

A report embeds the new unanswered questions and searches the tickets, so it is kept for
``REPORT_TTL`` seconds per (since, min size) and rebuilt after an accept.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import PlainTextResponse, Response

from kotae.app.api.auth import Role, allow
from kotae.app.api.deps import CallerDep, Services, ServicesDep
from kotae.app.api.schemas.common import ErrorOut
from kotae.app.api.schemas.gaps import AcceptIn, AcceptOut, GapReportOut
from kotae.kb import KBBusy
from kotae.suggest.gaps import (
    TABLES,
    GapNotFound,
    GapOptions,
    GapReport,
    NothingToAccept,
    accept_proposal,
    report_markdown,
    table_csv,
)
from kotae.suggest.gaps.timeline import parse_since

router = APIRouter(tags=["gaps"])
REPORT_TTL = 60.0
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No key, or an unknown or revoked one."},
    403: {"model": ErrorOut, "description": "The key's role is below editor."},
    422: {"model": ErrorOut, "description": "Bad since or min_size."},
    503: {"model": ErrorOut, "description": "No index has been built yet."}}
Since = Annotated[str, Query(max_length=8, description="30d, 8w, 6m, 1y or all.")]
MinSize = Annotated[int, Query(ge=1, le=1000, description="Questions a gap needs at least.")]


def _text(media_type: str) -> dict[int | str, dict[str, Any]]:
    """A 200 of ``media_type`` (errors stay JSON: a text response class would make them text)."""
    return {200: {"description": "The export.",
                  "content": {media_type: {"schema": {"type": "string"}}}}}


def current_report(services: Services, since: str, min_size: int) -> GapReport:
    """The cached report for these parameters, built when missing or older than the TTL."""
    try:
        options = GapOptions(since_days=parse_since(since), min_size=min_size)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    key = (options.since_days, options.min_size)
    with services.gap_lock:  # one report at a time: it is CPU work on a shared machine
        cached = services.gap_reports.get(key)
        if cached and time.monotonic() - cached[0] < REPORT_TTL:
            return cached[1]
        report = services.kb.gap_analyser(options).report()
        services.gap_reports[key] = (time.monotonic(), report)
        return report


@router.get("/v1/gaps", response_model=GapReportOut, summary="The FAQ-gap report",
            responses=ERRORS, **allow(Role.EDITOR))
def gaps(services: ServicesDep, since: Since = "30d",
         min_size: MinSize = 3, charts: bool = False) -> GapReportOut:
    """Unanswered questions grouped by meaning, ranked by volume and recency, each with a
    proposed FAQ entry; near-duplicate and stale articles; weekly rates. ``charts=true`` adds
    the charts as PNG data URIs."""
    report = current_report(services, since, min_size)
    if not charts:
        return GapReportOut.of(report)
    from kotae.suggest.gaps.charts import report_charts

    return GapReportOut.of(report, report_charts(report))


@router.post("/v1/gaps/{gap_id}/accept", response_model=AcceptOut, status_code=201,
             summary="Turn a proposal into a draft FAQ entry (internal until published)",
             responses={**ERRORS, 404: {"model": ErrorOut, "description": "Unknown gap id."},
                        409: {"model": ErrorOut, "description": "An ingest is running."}},
             **allow(Role.EDITOR))
def accept(services: ServicesDep, caller: CallerDep,
           gap_id: Annotated[str, Path(pattern=r"^[0-9a-f]{12}$")],
           body: AcceptIn | None = None, since: Since = "30d",
           min_size: MinSize = 3) -> AcceptOut:
    """Stores the proposal (or the edited ``question`` / ``answer``) as an ``internal`` FAQ
    document with ``meta.status = "draft"``, then publishes a new index. Send the ``since``
    and ``min_size`` of the report the id came from."""
    body = body or AcceptIn(question=None, answer=None)
    report = current_report(services, since, min_size)
    gap = report.gap(gap_id)
    if gap is None:
        raise HTTPException(404, str(GapNotFound(gap_id)))
    try:
        doc = accept_proposal(services.kb.store, gap, body.question, body.answer,
                              accepted_by=caller.label)
        build = services.kb.publish()
    except NothingToAccept as exc:
        raise HTTPException(422, str(exc)) from None
    except KBBusy as exc:
        raise HTTPException(409, str(exc)) from None
    with services.gap_lock:
        services.gap_reports.clear()
    return AcceptOut(gap_id=gap.id, doc_id=doc.id, status="draft",
                     visibility=doc.visibility.value, question=doc.question, answer=doc.answer,
                     published=build.published)


@router.get("/v1/gaps/export.csv", response_class=Response,
            responses={**ERRORS, **_text("text/csv")},
            summary="The gap report as CSV (gaps, duplicates, stale or weeks)",
            **allow(Role.EDITOR))
def export_csv(services: ServicesDep, since: Since = "30d", min_size: MinSize = 3,
               table: Annotated[str, Query(pattern="^(" + "|".join(TABLES) + ")$")] = "gaps",
               ) -> PlainTextResponse:
    text = table_csv(current_report(services, since, min_size), table)
    # A BOM so that Excel opens the Japanese text as UTF-8.
    return PlainTextResponse("\ufeff" + text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="kotae-{table}.csv"'})


@router.get("/v1/gaps/export.md", response_class=Response,
            responses={**ERRORS, **_text("text/markdown")},
            summary="The gap report as Markdown", **allow(Role.EDITOR))
def export_markdown(services: ServicesDep, since: Since = "30d",
                    min_size: MinSize = 3) -> PlainTextResponse:
    text = report_markdown(current_report(services, since, min_size))
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="kotae-gaps.md"'})
