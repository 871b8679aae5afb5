"""Clicks and votes: ``POST /v1/feedback/click``, ``POST /v1/feedback/vote`` (JSON, for
help.js and other clients) and ``POST /help/vote`` (the help page's form, without JavaScript).

A vote or click updates the search it follows (its ``event_id``); a vote on an article reached
without a logged search is logged as an article event of its own.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from kotae.app.api.auth import Role, allow
from kotae.app.api.deps import QueryLogDep, StoreDep, help_session, rate_limited
from kotae.app.api.routes.deflect import RecordedOut
from kotae.app.api.schemas.common import ErrorOut
from kotae.kb import Channel, EventType, KBStore, QueryEvent, QueryLog, customer_may_read

router = APIRouter()
HEX_ID = r"^[0-9a-f]{0,32}$"


class VoteIn(BaseModel):
    helpful: bool
    event_id: str = Field("", pattern=HEX_ID, description="The search or deflection voted on.")
    doc_id: str = Field("", max_length=64, description="The article voted on (when there is "
                        "no event_id).")
    session_id: str = Field("", max_length=64)


class ClickIn(BaseModel):
    event_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    doc_id: str = Field(min_length=1, max_length=64)


def record_vote(log: QueryLog, store: KBStore, helpful: bool, event_id: str, doc_id: str,
                session: str) -> str:
    """Update the event voted on, or log a vote on a public article; LookupError otherwise."""
    if event_id:
        if not log.update(event_id, helpful=helpful, clicked_doc_id=doc_id or None):
            raise LookupError(f"no event {event_id}")
        return event_id
    doc = store.get_document(doc_id) if doc_id else None
    if doc is None or not customer_may_read(doc):
        raise LookupError(f"no public article {doc_id!r}")
    return log.record(QueryEvent(
        channel=Channel.HELP, event=EventType.ARTICLE, session_id=session, language=doc.language,
        hits=[{"doc_id": doc.id, "title": doc.title, "score": None}], helpful=helpful,
        clicked_doc_id=doc.id, outcome="helpful" if helpful else "not_helpful"))


@router.post("/v1/feedback/vote", response_model=RecordedOut, tags=["feedback"],
             summary="Did this answer or article help?",
             responses={404: {"model": ErrorOut}, 429: {"model": ErrorOut}},
             **allow(Role.PUBLIC, rate_limited))
def vote(body: VoteIn, log: QueryLogDep, store: StoreDep) -> RecordedOut:
    if not body.event_id and not body.doc_id:
        raise HTTPException(422, "send the event_id of the search, or the doc_id of the article")
    try:
        event_id = record_vote(log, store, body.helpful, body.event_id, body.doc_id,
                               body.session_id)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    return RecordedOut(event_id=event_id)


@router.post("/v1/feedback/click", response_model=RecordedOut, tags=["feedback"],
             summary="A result was opened",
             responses={404: {"model": ErrorOut}, 429: {"model": ErrorOut}},
             **allow(Role.PUBLIC, rate_limited))
def click(body: ClickIn, log: QueryLogDep) -> RecordedOut:
    if not log.update(body.event_id, clicked_doc_id=body.doc_id):
        raise HTTPException(404, f"no event {body.event_id}")
    return RecordedOut(event_id=body.event_id)


def _back(path: str, **params: str) -> str:
    """A redirect target inside the help center only (never an open redirect)."""
    parts = urlsplit(path)
    base = parts.path
    if parts.scheme or parts.netloc or not (base == "/help" or base.startswith("/help/")) \
            or "//" in base or "\\" in base:
        base, parts = "/help", urlsplit("/help")
    kept = [(k, v) for k, v in parse_qsl(parts.query) if k not in params]
    extra = urlencode([*kept, *((k, v) for k, v in params.items() if v)])
    return f"{base}?{extra}" if extra else base


@router.post("/help/vote", include_in_schema=False, **allow(Role.PUBLIC, rate_limited))
def vote_form(request: Request, log: QueryLogDep, store: StoreDep,
              helpful: Annotated[Literal["yes", "no"], Form()],
              event_id: Annotated[str, Form(pattern=HEX_ID)] = "",
              doc_id: Annotated[str, Form(max_length=64)] = "",
              q: Annotated[str, Form(max_length=500)] = "",
              lang: Annotated[str, Form(pattern="^(ja|en|)$")] = "",
              back: Annotated[str, Form(max_length=2000)] = "/help") -> RedirectResponse:
    """Record the vote, then back to the page (はい) or on to the contact form (いいえ)."""
    try:
        event_id = record_vote(log, store, helpful == "yes", event_id, doc_id,
                               help_session(request)[0])
    except LookupError:
        raise HTTPException(404, "nothing to vote on: the search or article is unknown") from None
    root = request.scope.get("root_path", "")  # the KB's prefix when several are served
    if helpful == "no":
        target = root + "/help/contact?" + urlencode({k: v for k, v in
                                               (("q", q), ("e", event_id), ("lang", lang)) if v})
    else:
        target = root + _back(back, voted="yes")
    return RedirectResponse(target, status_code=303)
