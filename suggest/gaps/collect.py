"""Gather the questions the knowledge base did not answer: from the query log and from tickets.

A logged question counts when its confidence was below the answer threshold, when the customer
voted 「いいえ」, or when it was handed to a person (hand-off, contact form) — unless the
customer said the answer helped. A ticket counts when its best *public* article scores below
the threshold for its subject, or when the agent's reply is mostly words the closest public
articles do not contain: the question reached a person because the FAQ could not answer it.

Example:
    >>> questions = questions_from_events(log.events(since="2026-11-01"), threshold=0.5)
    >>> questions += questions_from_tickets(tickets, analyser.check_ticket, threshold=0.5)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from kotae.kb import Action, Document, EventType, Kind, QueryEvent
from kotae.kb.text import detect_language
from kotae.suggest.compose.foreign import is_boilerplate
from kotae.suggest.gaps.report import Origin, Question, Signal
from kotae.suggest.replies.sources import RESOLVED

QUESTION_EVENTS = frozenset({EventType.SEARCH, EventType.DEFLECT, EventType.CONTACT})
TICKET_TEXT_CHARS = 200
# "株式会社サンプル商事 経理部の者です。", "I'm the accountant of ..." — who, not what.
_INTRODUCTION = re.compile(r"(の者|担当者?|部|課|係)(です|でございます)。?$"
                           r"|^(hi|hello|dear)\b[^.?!]*[,.]?$|^(i am|i'm|this is) ",
                           re.IGNORECASE)

MIN_REPLY_COVERAGE = 0.5


@dataclass(frozen=True, slots=True)
class TicketCheck:
    """How the public articles do on a ticket: the confidence of the best one for its subject,
    and the share of its reply's words that the closest articles contain."""

    confidence: float
    top_doc_id: str = ""
    coverage: float | None = None


CheckTicket = Callable[[Document], TicketCheck]


def event_signals(event: QueryEvent, threshold: float) -> tuple[Signal, ...]:
    """Why ``event`` counts as unanswered (empty: it was answered, or helped)."""
    if event.event not in QUESTION_EVENTS or not event.query.strip():
        return ()
    contacted = event.event is EventType.CONTACT or event.outcome == "contacted"
    if event.helpful is True and not contacted:
        return ()
    signals = []
    if event.confidence is not None and event.confidence < threshold:
        signals.append(Signal.LOW_CONFIDENCE)
    if event.helpful is False:
        signals.append(Signal.NOT_HELPFUL)
    if contacted or event.action is Action.HANDOFF:
        signals.append(Signal.HANDOFF)
    return tuple(signals)


def questions_from_events(events: Iterable[QueryEvent], threshold: float) -> list[Question]:
    """Unanswered questions of the log; a contact sent from a logged search counts once."""
    events = list(events)
    ids = {e.id for e in events}
    out = []
    for event in events:
        if event.event is EventType.CONTACT and event.parent_id in ids:
            continue  # its search is in the log, marked "contacted"
        signals = event_signals(event, threshold)
        if not signals:
            continue
        text = " ".join(event.query.split())
        top = str(event.hits[0].get("doc_id", "")) if event.hits else ""
        out.append(Question(id=event.id, text=text,
                            language=event.language or detect_language(text),
                            origin=Origin.LOG, signals=signals, asked_at=event.created_at,
                            confidence=event.confidence, top_doc_id=top))
    return out


def ticket_text(subject: str, body: str, max_chars: int = TICKET_TEXT_CHARS) -> str:
    """The subject and the start of the customer's message, without greetings.

    >>> ticket_text("角印を入れたい", "お世話になっております。\\n角印の画像をPDFに入れたいです。")
    '角印を入れたい\\n角印の画像をPDFに入れたいです。'
    """
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
    kept = [ln for ln in lines if not is_boilerplate(ln) and not _INTRODUCTION.search(ln)]
    text = "\n".join([subject.strip(), *kept]).strip()
    return text[:max_chars]


def is_resolved(doc: Document) -> bool:
    status = str(doc.meta.get("status") or "").lower()
    return status in RESOLVED and bool(doc.answer.strip())


def ticket_time(doc: Document) -> str:
    return str(doc.meta.get("created_at") or doc.updated_at or "")


def reply_coverage(reply_terms: set[str], article_terms: set[str]) -> float | None:
    """Share of the reply's content words that the closest articles contain (None: no reply).

    >>> reply_coverage({"日本円", "外貨", "備考"}, {"備考", "請求書"})
    0.3333333333333333
    """
    return len(reply_terms & article_terms) / len(reply_terms) if reply_terms else None


def ticket_signals(check: TicketCheck, threshold: float,
                   min_coverage: float = MIN_REPLY_COVERAGE) -> tuple[Signal, ...]:
    """Why a ticket shows a gap: its best public article scored low, or its reply is not in
    the closest articles (the agent had to write what the FAQ does not say)."""
    signals = []
    if check.confidence < threshold:
        signals.append(Signal.TICKET)
    if check.coverage is not None and check.coverage < min_coverage:
        signals.append(Signal.REPLY_NOT_IN_ARTICLES)
    return tuple(signals)


def questions_from_tickets(tickets: Sequence[Document], check_ticket: CheckTicket,
                           threshold: float) -> list[Question]:
    """Tickets the public articles do not answer; escalated cases (bugs, outages, refunds,
    complaints...) are left out: people handle them whatever the FAQ says."""
    out = []
    for doc in tickets:
        if doc.kind is not Kind.TICKET or doc.meta.get("escalation"):
            continue
        text = ticket_text(doc.title, doc.body)
        if not text:
            continue
        check = check_ticket(doc)
        signals = ticket_signals(check, threshold)
        if not signals:
            continue
        out.append(Question(id=doc.id, text=text, language=doc.language or detect_language(text),
                            origin=Origin.TICKET, signals=signals, asked_at=ticket_time(doc),
                            confidence=check.confidence, top_doc_id=check.top_doc_id,
                            ticket_id=str(doc.meta.get("ticket_id") or ""), reply=doc.answer,
                            resolved=is_resolved(doc)))
    return out
