"""The HTTP shapes of ``POST /v1/suggest`` and its outcome (also ``kotae suggest --json``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from kotae.app.api.schemas.common import Confidence
from kotae.suggest.replies.types import MAX_TICKET_CHARS, Suggestion


class SuggestIn(BaseModel):
    subject: str = Field("", max_length=MAX_TICKET_CHARS, description="The ticket's subject.")
    body: str = Field("", max_length=MAX_TICKET_CHARS, description="The customer's message.")
    language: Literal["", "ja", "en"] = Field("", description="Reply language; empty: detect.")
    product: str = Field("", max_length=128, description="Only articles of this product.")
    customer_tier: Literal["", "free", "standard", "pro", "enterprise"] = Field(
        "", description="The customer's plan (enterprise raises the priority one level).")


class CitationOut(BaseModel):
    label: str = Field(description="S1, S2… as referenced by draft_detail.sentences.")
    doc_id: str
    kind: str = Field(description="manual, faq or ticket.")
    title: str
    url: str
    snippet: str = Field(description="The cited sentences with a sentence of context.")
    highlights: list[list[int]] = Field(description="[start, end) of cited text in snippet.")
    visibility: str


class SentenceOut(BaseModel):
    text: str
    part: str = Field(description="opening, answer or closing.")
    citations: list[str] = Field(description="Labels of the citations this sentence is from.")
    supported: bool = Field(description="False: an LLM sentence its source did not support.")
    step: int | None = None
    bullet: bool = False
    reference: bool = Field(False, description="Points at a source (a link or an option to "
                            "choose) and states no fact of its own.")
    table: bool = Field(False, description="A line of a table shown as a table (its header, "
                        "rule or a row).")
    question: int | None = Field(None, description="Which of the ticket's questions "
                                 "(draft_detail.questions, 0-based) this answer sentence is "
                                 "for.")
    open_question: bool = Field(False, description="The question no source answers: the "
                                "sentence says it will be checked, and the agent must answer "
                                "it.")


class DraftDetailOut(BaseModel):
    language: str
    mode: str = Field(description="answer, clarify (asks which case applies) or investigate.")
    sentences: list[SentenceOut]
    drafter: str = Field(description="grounded (no LLM) or llm.")
    questions: list[str] = Field(default_factory=list, description="What the ticket asks, one "
                                 "entry per question (the whole ticket when it asks one thing); "
                                 "the draft answers each in its own paragraph or names it as "
                                 "open.")


class SimilarTicketOut(BaseModel):
    doc_id: str
    ticket_id: str
    subject: str
    body: str
    reply: str
    status: str
    category: str
    priority: str
    escalation: str
    created_at: str
    score: float = Field(description="Cosine similarity to this ticket.")


class EscalationOut(BaseModel):
    reason: str = Field(description="bug, outage, complaint, billing_dispute, cancellation, "
                        "refund, legal, security, repeat or low_confidence.")
    message: str = Field(description="What to do, for the agent (Japanese).")
    message_en: str
    cues: list[str] = Field(description="The words in the ticket that triggered it.")


class SentimentOut(BaseModel):
    label: str = Field(description="positive, neutral, negative or angry.")
    score: float
    cues: list[str]


class TriageOut(BaseModel):
    category: str
    category_confidence: float
    priority: str = Field(description="low, normal, high or urgent.")
    priority_confidence: float
    sentiment: SentimentOut
    escalate: EscalationOut | None


class CandidateOut(BaseModel):
    doc_id: str
    kind: str
    title: str
    url: str
    snippet: str
    visibility: str
    score: float


class SuggestOut(BaseModel):
    id: str = Field(description="Send it back with the outcome.")
    language: str
    draft: str = Field(description="The reply to edit and send.")
    draft_detail: DraftDetailOut
    citations: list[CitationOut]
    confidence: Confidence = Field(description="Calibrated confidence that the sources answer "
                                   "it.")
    answered: bool = Field(description="False: the draft asks or defers instead of answering.")
    similar_tickets: list[SimilarTicketOut]
    triage: TriageOut
    faq_suggestions: list[CandidateOut]
    candidates: list[CandidateOut] = Field(description="Articles that may answer it.")
    snapshot: str

    @classmethod
    def of(cls, s: Suggestion) -> SuggestOut:
        """The draft as its text, its detail and its citations (lifted to the top)."""
        return cls.model_validate({
            "id": s.id, "language": s.language, "draft": s.draft.text, "draft_detail": s.draft,
            "citations": s.draft.citations, "confidence": s.confidence, "answered": s.answered,
            "similar_tickets": s.similar_tickets, "triage": s.triage,
            "faq_suggestions": s.faq_suggestions, "candidates": s.candidates,
            "snapshot": s.snapshot}, from_attributes=True)


class OutcomeIn(BaseModel):
    outcome: Literal["used", "edited", "wrong"]
    final_text: str = Field("", max_length=20_000, description="The reply as sent (edited).")
    kept_citations: list[Annotated[str, Field(max_length=8)]] = Field(
        default_factory=list, max_length=50, description="Labels of the citations the agent kept.")


class OutcomeOut(BaseModel):
    suggestion_id: str
    outcome: str
    edit_distance: int = Field(description="Characters changed between draft and final text.")
    kept_citations: list[str]
