"""Stale articles: not updated in months while their questions still come, or often voted no.

An article's questions are the logged questions whose best hit or click was that article; its
votes are the "did this help" votes on it (on the article page, or on an answer taken from it).

Example:
    >>> stale = find_stale(articles, log.events(since=since), now, months=12)
    >>> stale[0].reason
    '14か月更新されていませんが、この期間に 9 件の質問がこの記事に届いています。'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

from kotae.kb import Document, QueryEvent
from kotae.suggest.gaps.collect import QUESTION_EVENTS
from kotae.suggest.gaps.duplicates import is_public_article
from kotae.suggest.gaps.report import StaleArticle
from kotae.suggest.gaps.timeline import parse_time

DEFAULT_MONTHS = 12
MIN_QUESTIONS = 3
MIN_VOTES = 3
NOT_HELPFUL_SHARE = 0.5


def months_between(earlier: datetime, later: datetime) -> int:
    """Whole months from ``earlier`` to ``later``.

    >>> from datetime import UTC
    >>> months_between(datetime(2025, 9, 30, tzinfo=UTC), datetime(2026, 11, 24, tzinfo=UTC))
    13
    """
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (later.day < earlier.day)


def article_of(event: QueryEvent) -> str:
    """The article an event was about: the one clicked, else the best hit."""
    if event.clicked_doc_id:
        return event.clicked_doc_id
    return str(event.hits[0].get("doc_id", "")) if event.hits else ""


def stale_reason(age_months: int | None, questions: int, votes: int, not_helpful: int,
                 months: int) -> str:
    """The reasons, in Japanese, or "" when the article is fine."""
    parts = []
    if age_months is not None and age_months >= months and questions >= MIN_QUESTIONS:
        parts.append(f"{age_months}か月更新されていませんが、この期間に {questions} 件の質問が"
                     "この記事に届いています。")
    if votes >= MIN_VOTES and not_helpful >= NOT_HELPFUL_SHARE * votes:
        parts.append(f"「役に立ちましたか」で {votes} 票中 {not_helpful} 票が「いいえ」です。")
    return "".join(parts)


def find_stale(articles: Sequence[Document], events: Iterable[QueryEvent], now: datetime,
               months: int = DEFAULT_MONTHS) -> list[StaleArticle]:
    """Public articles that need a look, most asked about first."""
    if months < 1:
        raise ValueError(f"stale months must be at least 1, got {months}")
    questions: Counter[str] = Counter()
    votes: Counter[str] = Counter()
    no: Counter[str] = Counter()
    for event in events:
        doc_id = article_of(event)
        if not doc_id:
            continue
        if event.event in QUESTION_EVENTS and event.query.strip():
            questions[doc_id] += 1
        if event.helpful is not None:
            votes[doc_id] += 1
            no[doc_id] += event.helpful is False
    out = []
    for doc in articles:
        if not is_public_article(doc):
            continue
        updated = parse_time(doc.updated_at)
        age = months_between(updated, now) if updated else None
        reason = stale_reason(age, questions[doc.id], votes[doc.id], no[doc.id], months)
        if reason:
            out.append(StaleArticle(doc.id, doc.title, doc.updated_at, questions[doc.id],
                                    no[doc.id], votes[doc.id], reason))
    out.sort(key=lambda s: (-s.questions, -s.not_helpful, s.doc_id))
    return out
