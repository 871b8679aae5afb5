"""``POST /v1/suggest`` (a drafted reply for a ticket) and ``POST /v1/suggest/{id}/outcome``
(what the agent did with it). Agents and admins only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from kotae.app.api.auth import Role, allow
from kotae.app.api.deps import CallerDep, FeedbackDep, SuggesterDep
from kotae.app.api.schemas.common import ErrorOut
from kotae.app.api.schemas.suggest import OutcomeIn, OutcomeOut, SuggestIn, SuggestOut
from kotae.suggest import (
    InvalidTicket,
    LLMError,
    SuggestionNotFound,
    TicketIn,
    record_outcome,
    record_suggestion,
)

router = APIRouter(tags=["suggest"])
ERRORS = {401: {"model": ErrorOut, "description": "No key, or an unknown or revoked one."},
          403: {"model": ErrorOut, "description": "The key's role is below agent."},
          503: {"model": ErrorOut, "description": "No index has been built yet."}}



@router.post("/v1/suggest", response_model=SuggestOut, summary="Draft a reply to a ticket",
             responses={**ERRORS, 422: {"model": ErrorOut, "description": "Bad ticket."},
                        502: {"model": ErrorOut, "description": "The LLM endpoint failed."}},
             **allow(Role.AGENT))
def suggest(body: SuggestIn,
            suggester: SuggesterDep, feedback: FeedbackDep) -> SuggestOut:
    """A draft in the customer's language with citations, similar resolved tickets, category,
    priority, sentiment and escalation. Below the confidence threshold the draft asks a
    clarifying question or says the case will be looked into; it never invents an answer."""
    try:
        ticket = TicketIn(subject=body.subject, body=body.body, language=body.language,
                          product=body.product, customer_tier=body.customer_tier)
        result = suggester.suggest(ticket)
    except InvalidTicket as exc:
        raise HTTPException(422, str(exc)) from None
    except LLMError as exc:
        raise HTTPException(502, str(exc)) from None
    record_suggestion(feedback, ticket, result)
    return SuggestOut.of(result)


@router.post("/v1/suggest/{suggestion_id}/outcome", response_model=OutcomeOut, status_code=201,
             summary="Record what the agent did with a suggestion",
             responses={**ERRORS, 404: {"model": ErrorOut, "description": "Unknown id."}},
             **allow(Role.AGENT))
def outcome(body: OutcomeIn, caller: CallerDep, feedback: FeedbackDep,
            suggestion_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]) -> OutcomeOut:
    """``used`` (sent as drafted), ``edited`` (sent after changes: send ``final_text``) or
    ``wrong`` (not usable). Stored with the edit distance and the citations kept."""
    try:
        record = record_outcome(feedback, suggestion_id, body.outcome, body.final_text,
                                body.kept_citations, agent=caller.label)
    except SuggestionNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except InvalidTicket as exc:
        raise HTTPException(422, str(exc)) from None
    return OutcomeOut(suggestion_id=suggestion_id, outcome=record.outcome,
                      edit_distance=record.edit_distance, kept_citations=record.kept_citations)
