"""``POST /v1/deflect``: answer a customer's question before a ticket is filed, or hand off;
``POST /v1/deflect/{event_id}/feedback``: did the answer help."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path
from pydantic import AfterValidator, BaseModel, Field

from kotae.app.api.auth import Role, allow
from kotae.app.api.deps import ClientTagDep, DeflectorDep, QueryLogDep, rate_limited
from kotae.app.api.schemas.common import Confidence, ErrorOut, Score
from kotae.kb import Action, Channel, EventType
from kotae.suggest import Deflection

router = APIRouter()
EVENT_ID = Path(pattern="^[0-9a-f]{32}$", description="The event_id /v1/deflect returned.")


class DeflectIn(BaseModel):
    question: str = Field(min_length=1, max_length=2000, description="The customer's words.")
    language: Literal["ja", "en"] | None = Field(
        None, description="The customer's language (detected from the question when absent).")
    channel: str | None = Field(None, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$",
                                description="Where the question comes from, e.g. chatbot, "
                                "contact-form (kept in the log).")
    session_id: str | None = Field(None, max_length=64, description="The caller's session or "
                                   "conversation id (kept in the log).")


class SourceOut(BaseModel):
    doc_id: str
    title: str
    url: str = Field(description="The public help-center page of the source.")
    snippet: str
    score: Score


class TicketOut(BaseModel):
    subject: str
    body: str = Field(description="The customer's question, as written.")
    language: str
    category: Annotated[str | None, AfterValidator(lambda v: v or None)] = None
    priority: str | None = Field(None, description="normal or high (a first guess).")


class FaqCandidateOut(BaseModel):
    doc_id: str
    question: str = Field(description="A public FAQ question (or article title) to offer.")
    url: str
    score: Score


class DeflectOut(BaseModel):
    event_id: str = Field(description="Send it back with POST /v1/deflect/{event_id}/feedback.")
    action: Literal["answer", "handoff"]
    confidence: Confidence = Field(description="Calibrated confidence (0–1) of the best "
                                   "source.")
    language: str
    answer: str | None = Field(None, description="answer: a short answer from public "
                               "sources, with a link.")
    sources: list[SourceOut] | None = None
    ticket: TicketOut | None = Field(None, description="handoff: a pre-filled ticket.")
    candidates: list[FaqCandidateOut] | None = Field(
        None, description="handoff: the closest FAQ questions (もしかして…).")

    @classmethod
    def of(cls, result: Deflection, event_id: str) -> DeflectOut:
        """An answer with its sources, or a hand-off with a ticket and FAQ candidates."""
        shown = ({"answer": result.answer, "sources": result.sources}
                 if result.action is Action.ANSWER else
                 {"ticket": result.ticket, "candidates": result.candidates})
        return cls.model_validate({"event_id": event_id, "action": result.action.value,
                                   "confidence": result.confidence,
                                   "language": result.language, **shown},
                                  from_attributes=True)


class FeedbackIn(BaseModel):
    helpful: bool


class RecordedOut(BaseModel):
    event_id: str
    recorded: bool = True


@router.post(
    "/v1/deflect", response_model=DeflectOut, response_model_exclude_none=True,
    tags=["deflection"],
    summary="Answer from public sources when confident, else a pre-filled hand-off",
    responses={422: {"model": ErrorOut}, 429: {"model": ErrorOut, "description":
               "Too many requests from this client; see Retry-After."},
               503: {"model": ErrorOut, "description": "No index has been built yet."}},
             **allow(Role.PUBLIC, rate_limited))
def deflect(body: DeflectIn, deflector: DeflectorDep, log: QueryLogDep,
            client: ClientTagDep) -> DeflectOut:
    """Reads public articles and FAQ only, whatever key is sent. An answer is given only when
    the confidence reaches the KB's answer threshold (set by `kotae eval deflection`)."""
    try:
        result = deflector.deflect(body.question, body.language)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    event = result.to_event(Channel.DEFLECT, EventType.DEFLECT, body.session_id or "")
    event.via, event.client = body.channel or "", client
    event.ticket = result.ticket.to_dict() if result.ticket else None
    return DeflectOut.of(result, log.record(event))


@router.post(
    "/v1/deflect/{event_id}/feedback", response_model=RecordedOut, tags=["deflection"],
    summary="Whether the deflection helped the customer",
    responses={404: {"model": ErrorOut, "description": "No such event."},
               429: {"model": ErrorOut}}, **allow(Role.PUBLIC, rate_limited))
def deflect_feedback(event_id: Annotated[str, EVENT_ID], body: FeedbackIn,
                     log: QueryLogDep) -> RecordedOut:
    if not log.update(event_id, helpful=body.helpful):
        raise HTTPException(404, f"no deflection event {event_id}")
    return RecordedOut(event_id=event_id)
