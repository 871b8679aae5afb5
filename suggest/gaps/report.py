"""The gap report as plain dataclasses: what the CLI, the API, the page and the exports show.

Example:
    >>> report = GapAnalyser(store, log, searcher).report()
    >>> [(g.label, g.size, g.trend) for g in report.gaps[:3]]
    >>> report.gaps[0].proposal.answer
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

Z_95 = 1.96  # two-sided 95 % for a change in a rate


class Signal(StrEnum):
    """Why a question counts as not answered."""

    LOW_CONFIDENCE = "low_confidence"  # the best public article scored below the threshold
    NOT_HELPFUL = "not_helpful"  # the customer voted 「いいえ」
    HANDOFF = "handoff"  # handed to a person, or the contact form was sent
    TICKET = "ticket"  # a ticket whose best public article scored low
    REPLY_NOT_IN_ARTICLES = "reply_not_in_articles"  # its reply says what no close article says


class Origin(StrEnum):
    LOG = "log"  # the help center and deflection query log
    TICKET = "ticket"  # a ticket in the KB


@dataclass(frozen=True, slots=True)
class Question:
    """One question the knowledge base did not answer well (an event or a ticket)."""

    id: str  # the event id, or the ticket's document id
    text: str  # what is clustered and shown
    language: str
    origin: Origin
    signals: tuple[Signal, ...]
    asked_at: str  # ISO 8601
    confidence: float | None = None
    top_doc_id: str = ""  # the best public article it got
    ticket_id: str = ""  # tickets: the helpdesk's id (TCK-10007)
    reply: str = ""  # tickets: the final reply sent to the customer
    resolved: bool = False  # tickets: solved/closed with a reply


@dataclass(frozen=True, slots=True)
class TicketCitation:
    """A resolved ticket a proposed answer was drafted from."""

    doc_id: str
    ticket_id: str
    subject: str


@dataclass(frozen=True)
class Proposal:
    """A proposed FAQ entry; ``has_answer`` is False when no resolved ticket answers it yet."""

    question: str
    answer: str
    language: str
    citations: tuple[TicketCitation, ...] = ()
    has_answer: bool = False


@dataclass
class Gap:
    """A group of unanswered questions that mean the same thing."""

    id: str
    label: str
    terms: list[str]
    size: int
    score: float  # questions weighted by recency and by how surely unanswered: the ranking key
    language: str
    representatives: list[str]
    first_seen: str
    last_seen: str
    trend: str  # new | rising | steady | falling
    signals: dict[str, int]
    weekly: dict[str, int]  # ISO week start (YYYY-MM-DD) → questions
    proposal: Proposal
    question_ids: list[str] = field(default_factory=list)
    draft_doc_id: str = ""  # set when the proposal was accepted as a draft FAQ entry


@dataclass(frozen=True)
class DuplicatePair:
    """Two public articles whose content overlaps strongly."""

    doc_a: str
    title_a: str
    doc_b: str
    title_b: str
    similarity: float  # cosine of the documents' mean chunk vectors
    overlap: float  # Jaccard overlap of their content words
    reason: str


@dataclass(frozen=True)
class StaleArticle:
    """A public article that needs a look: old while still asked about, or often voted no."""

    doc_id: str
    title: str
    updated_at: str
    questions: int  # questions in the window whose best hit or click was this article
    not_helpful: int
    votes: int
    reason: str


@dataclass(frozen=True)
class WeekStats:
    """One week of the query log: questions, hand-offs, votes, and the gap questions."""

    week: str
    questions: int
    handoffs: int
    helpful: int
    votes: int
    gap_questions: int
    learnt: int = 0  # phrasings approved that week (kotae learn, or an editor)

    @property
    def deflection_rate(self) -> float | None:
        return None if not self.questions else 1.0 - self.handoffs / self.questions

    @property
    def helpful_rate(self) -> float | None:
        return None if not self.votes else self.helpful / self.votes


@dataclass(frozen=True)
class LearningEffect:
    """The weeks before and after a week phrasings were learnt, each added up into one row
    (None: no such week in the report), and whether the deflection rate moved by more than
    chance would move it."""

    week: str  # the week the phrasings were approved
    learnt: int  # phrasings approved that week
    before: WeekStats | None
    after: WeekStats | None
    before_weeks: int
    after_weeks: int

    @property
    def deflection_change(self) -> float | None:
        """After minus before (None unless both sides have questions)."""
        a = self.after.deflection_rate if self.after else None
        b = self.before.deflection_rate if self.before else None
        return None if a is None or b is None else a - b

    @property
    def clear(self) -> bool | None:
        """Whether the change is beyond chance: a two-proportion z-test at 95 % (|z| > 1.96)
        on the questions handed off, before against after; None without both sides."""
        if self.deflection_change is None or self.before is None or self.after is None:
            return None
        n1, n2 = self.before.questions, self.after.questions
        p = 1.0 - (self.before.handoffs + self.after.handoffs) / (n1 + n2)
        spread = math.sqrt(p * (1.0 - p) * (1.0 / n1 + 1.0 / n2))
        return spread > 0 and abs(self.deflection_change) / spread > Z_95


@dataclass
class GapReport:
    generated_at: str
    since: str | None
    threshold: float
    candidates: int  # questions considered unanswered
    gaps: list[Gap]
    duplicates: list[DuplicatePair]
    stale: list[StaleArticle]
    weeks: list[WeekStats]
    unclustered: int = 0  # unanswered questions in no gap (too few alike)
    learning: LearningEffect | None = None  # the rates before and after phrasings were learnt

    def gap(self, gap_id: str) -> Gap | None:
        return next((g for g in self.gaps if g.id == gap_id), None)
