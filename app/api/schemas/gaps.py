"""The HTTP shapes of the FAQ-gap report (``GET /v1/gaps``) and of accepting a proposal."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kotae.suggest.gaps.accept import MAX_FIELD_CHARS
from kotae.suggest.gaps.report import GapReport


class TicketCitationOut(BaseModel):
    doc_id: str
    ticket_id: str = Field(description="The helpdesk's ticket id (e.g. TCK-10007).")
    subject: str


class ProposalOut(BaseModel):
    question: str = Field(description="The question as customers ask it.")
    answer: str = Field(description="Drafted from resolved tickets' replies, or a note that "
                        "no resolved ticket answers it yet.")
    language: str
    citations: list[TicketCitationOut]
    has_answer: bool


class GapOut(BaseModel):
    id: str = Field(description="Stable while new questions join the gap.")
    label: str
    terms: list[str]
    size: int = Field(description="Unanswered questions in the gap.")
    score: float = Field(description="Questions weighted by recency (half-life 30 days).")
    language: str
    representatives: list[str]
    first_seen: str
    last_seen: str
    trend: str = Field(description="new, rising, steady or falling (last 14 days vs the 14 "
                       "before).")
    signals: dict[str, int] = Field(description="low_confidence, not_helpful, handoff, ticket, "
                                    "reply_not_in_articles: how many questions showed each.")
    weekly: dict[str, int]
    proposal: ProposalOut
    question_ids: list[str]
    draft_doc_id: str = Field(description="The draft FAQ entry made from it, if accepted.")


class DuplicateOut(BaseModel):
    doc_a: str
    title_a: str
    doc_b: str
    title_b: str
    similarity: float
    overlap: float
    reason: str


class StaleOut(BaseModel):
    doc_id: str
    title: str
    updated_at: str
    questions: int
    not_helpful: int
    votes: int
    reason: str


class WeekOut(BaseModel):
    week: str
    questions: int
    handoffs: int
    helpful: int
    votes: int
    gap_questions: int
    learnt: int = Field(0, description="Phrasings learnt from use approved that week.")
    deflection_rate: float | None
    helpful_rate: float | None


class LearningOut(BaseModel):
    week: str = Field(description="The week (its Monday) phrasings learnt from use were "
                      "approved: the latest such week with weeks after it.")
    learnt: int = Field(description="Phrasings approved that week.")
    before: WeekOut | None = Field(description="Up to four weeks before it, added up (never "
                                   "reaching into an earlier learning week).")
    after: WeekOut | None = Field(description="Up to four weeks after it, added up (None: no "
                                  "week has passed yet).")
    before_weeks: int
    after_weeks: int
    deflection_change: float | None = Field(description="The deflection rate after minus "
                                            "before.")
    clear: bool | None = Field(description="Whether that change is beyond chance (two-"
                               "proportion z-test at 95 %); None without both sides.")


class GapReportOut(BaseModel):
    generated_at: str
    since: str | None
    threshold: float = Field(description="The answer threshold questions were judged by.")
    candidates: int = Field(description="Unanswered questions (log and tickets).")
    unclustered: int = Field(description="Unanswered questions in no gap.")
    gaps: list[GapOut]
    duplicates: list[DuplicateOut]
    stale: list[StaleOut]
    weeks: list[WeekOut]
    learning: LearningOut | None = Field(None, description="What learning from use changed: "
                                         "the rates before and after the latest week "
                                         "phrasings were learnt (None: none in the period).")
    charts: dict[str, str] = Field(default_factory=dict, description="With charts=true: "
                                   "gap_volume, top_gaps, rates (and learning, when phrasings "
                                   "were learnt) as data:image/png URIs.")

    @classmethod
    def of(cls, report: GapReport, charts: dict[str, str] | None = None) -> GapReportOut:
        out = cls.model_validate(report, from_attributes=True)
        return out.model_copy(update={"charts": charts}) if charts else out


class AcceptIn(BaseModel):
    question: str | None = Field(None, max_length=MAX_FIELD_CHARS,
                                 description="The edited question (default: the proposal's).")
    answer: str | None = Field(None, max_length=MAX_FIELD_CHARS,
                               description="The edited answer (default: the proposal's).")


class AcceptOut(BaseModel):
    gap_id: str
    doc_id: str = Field(description="The draft FAQ entry's document id.")
    status: str = Field(description="Always draft: publishing is a separate step.")
    visibility: str = Field(description="Always internal until published.")
    question: str
    answer: str
    published: bool = Field(description="Whether a new index snapshot was published.")
