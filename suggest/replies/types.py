"""Value types of a suggestion: the incoming ticket, the draft with its citations, triage.

Example:
    >>> ticket = TicketIn(subject="パスワードを忘れました", body="ログインできません。")
    >>> ticket.text
    'パスワードを忘れました\\nログインできません。'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from kotae.suggest.errors import InvalidTicket

LANGUAGES = ("ja", "en")
TIERS = ("free", "standard", "pro", "enterprise")
MAX_TICKET_CHARS = 8000


class DraftMode(StrEnum):
    ANSWER = "answer"  # confident: the answer part is composed from the sources
    CLARIFY = "clarify"  # not confident, candidates differ: ask which one applies
    INVESTIGATE = "investigate"  # nothing relevant: say the case is being looked into


class Part(StrEnum):
    OPENING = "opening"
    ANSWER = "answer"
    CLOSING = "closing"


@dataclass(frozen=True, slots=True)
class TicketIn:
    """A ticket as an agent receives it. ``language`` "" means detect it from the text.

    Example:
        >>> TicketIn("Invoice missing", "Where is my invoice?", customer_tier="pro").text
        'Invoice missing\nWhere is my invoice?'
    """

    subject: str
    body: str
    language: str = ""
    product: str = ""
    customer_tier: str = ""

    def __post_init__(self) -> None:
        if not (self.subject.strip() or self.body.strip()):
            raise InvalidTicket("a ticket needs a subject or a body")
        if len(self.subject) + len(self.body) > MAX_TICKET_CHARS:
            raise InvalidTicket(f"subject and body together exceed {MAX_TICKET_CHARS} characters")
        if self.language not in ("", *LANGUAGES):
            raise InvalidTicket(f"unknown language {self.language!r}; allowed: "
                                f"{', '.join(LANGUAGES)} (or empty to detect)")
        if self.customer_tier not in ("", *TIERS):
            raise InvalidTicket(f"unknown customer_tier {self.customer_tier!r}; allowed: "
                                f"{', '.join(TIERS)}")

    @property
    def text(self) -> str:
        return f"{self.subject.strip()}\n{self.body.strip()}".strip()


@dataclass(slots=True)
class Citation:
    """A source of the draft. ``highlights`` are (start, end) offsets in ``snippet`` of the
    sentences the draft took from it."""

    label: str  # "S1", "S2"... as referenced by the draft's sentences
    doc_id: str
    kind: str
    title: str
    url: str
    snippet: str
    highlights: list[tuple[int, int]] = field(default_factory=list)
    visibility: str = "public"


@dataclass(slots=True)
class DraftSentence:
    text: str
    part: Part
    citations: list[str] = field(default_factory=list)  # citation labels
    supported: bool = True  # False: an LLM sentence the check could not match to its source
    step: int | None = None  # its number in the source's numbered list of steps
    bullet: bool = False  # an item of a bulleted list or a table row (as 項目: 値)
    joined: bool = False  # a later sentence of the bulleted item before it (same line)
    table: bool = False  # a line of a table shown as a table (header, rule, rows)
    reference: bool = False  # points at a source (a link, an option) and states no fact
    question: int | None = None  # which of the ticket's questions it answers (0-based)
    open_question: bool = False  # says a question no source answers will be checked


@dataclass(slots=True)
class Draft:
    text: str
    language: str
    mode: DraftMode
    sentences: list[DraftSentence]
    citations: list[Citation]
    drafter: str = "grounded"
    questions: list[str] = field(default_factory=list)  # what the ticket asks, in its order

    @property
    def answer_sentences(self) -> list[DraftSentence]:
        return [s for s in self.sentences if s.part is Part.ANSWER]


@dataclass(frozen=True, slots=True)
class SimilarTicket:
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
    score: float


@dataclass(frozen=True, slots=True)
class Escalation:
    """Why a human should take over: a reason code, a sentence for the agent, the evidence."""

    reason: str
    message: str
    message_en: str
    cues: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Sentiment:
    label: str  # positive, neutral, negative, angry
    score: float  # -1 (angry) .. 1 (pleased)
    cues: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Triage:
    category: str
    category_confidence: float
    priority: str
    priority_confidence: float
    sentiment: Sentiment
    escalate: Escalation | None


@dataclass(frozen=True, slots=True)
class Candidate:
    """An article or FAQ entry that may answer the ticket (also those the draft did not use)."""

    doc_id: str
    kind: str
    title: str
    url: str
    snippet: str
    visibility: str
    score: float


@dataclass(slots=True)
class Suggestion:
    """What an agent gets for a ticket (see ``to_dict`` for the JSON shape).

    Example:
        >>> s = suggester.suggest(ticket)
        >>> s.draft.text, s.triage.escalate.reason if s.triage.escalate else None
    """

    id: str
    language: str
    draft: Draft
    confidence: float
    similar_tickets: list[SimilarTicket]
    triage: Triage
    faq_suggestions: list[Candidate]
    candidates: list[Candidate]
    snapshot: str = ""

    @property
    def answered(self) -> bool:
        return self.draft.mode is DraftMode.ANSWER
