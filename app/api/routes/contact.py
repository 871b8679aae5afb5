"""The contact form of the help center: ``GET /help/contact`` pre-fills the customer's
question; ``POST /help/contact`` logs the hand-off (no e-mail is sent from here)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from kotae.app.api.auth import Role, allow
from kotae.app.api.deps import DeflectorDep, QueryLogDep, help_session, rate_limited
from kotae.app.api.routes.help import HTML, EventId, Lang, page, page_language
from kotae.kb import Action, Channel, EventType, QueryEvent, SnapshotNotFound
from kotae.suggest.deflection.handoff import draft_ticket, ticket_subject

router = APIRouter()
MAX_BODY_CHARS = 2000


@router.get("/help/contact", response_class=HTMLResponse, tags=["help center"],
            summary="The contact form, pre-filled with the customer's question",
            **allow(Role.PUBLIC))
def contact_form(request: Request, lang: Lang = None,
                 q: Annotated[str, Query(max_length=MAX_BODY_CHARS)] = "",
                 e: EventId = "") -> HTMLResponse:
    language = page_language(request, lang)
    q = q.strip()
    return page(request, "help_contact.html", {
        "subject": ticket_subject(q) if q else "", "body": q, "q": q, "event_id": e,
        "error": ""}, language)


@router.post("/help/contact", response_class=HTMLResponse, tags=["help center"],
             summary="Send the contact form",
             responses={422: {"description": "No question: the form again, saying so.",
                              "content": HTML},
                        429: {"description": "Too many requests from this client; see "
                              "Retry-After.", "content": {"application/json": {
                                  "schema": {"$ref": "#/components/schemas/ErrorOut"}}}}},
             **allow(Role.PUBLIC, rate_limited))
def contact_send(request: Request, deflector: DeflectorDep, log: QueryLogDep,
                 body: Annotated[str, Form(max_length=MAX_BODY_CHARS)] = "",
                 subject: Annotated[str, Form(max_length=200)] = "",
                 e: Annotated[str, Form(pattern="^[0-9a-f]{0,32}$")] = "",
                 lang: Annotated[str, Form(pattern="^(ja|en|)$")] = "") -> HTMLResponse:
    """Log a contact event (action handoff) tied to the search it came from."""
    language = page_language(request, lang or None)
    if not body.strip():
        return page(request, "help_contact.html", {
            "subject": subject, "body": body, "q": "", "event_id": e,
            "error": "body_required"}, language, 422)
    sid, _ = help_session(request)
    try:
        result = deflector.deflect(body)
        event = result.to_event(Channel.HELP, EventType.CONTACT, sid, Action.HANDOFF)
        ticket = draft_ticket(body, result.language, category=result.ticket.category
                              if result.ticket else "")
    except SnapshotNotFound:  # the question still reaches a person without an index
        ticket = draft_ticket(body, language)
        event = QueryEvent(channel=Channel.HELP, event=EventType.CONTACT, query=body.strip(),
                           language=language, session_id=sid, action=Action.HANDOFF)
    event.ticket = {**ticket.to_dict(), "subject": subject.strip() or ticket.subject}
    event.parent_id, event.outcome = e, "contacted"
    event_id = log.record(event)
    if e:
        log.update(e, outcome="contacted")
    return page(request, "help_contact_done.html",
                {"reference": event_id[:8].upper(), "q": ""}, language)
