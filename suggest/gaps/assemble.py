"""From a group of clustered questions to a ``Gap``: id, label, numbers, trend and proposal.

Example:
    >>> gap = assemble_gap(group_questions, vectors, terms, all_terms, now)
    >>> gap.label, gap.size, gap.trend, gap.proposal.has_answer
    ('角印・印影・画像', 4, 'steady', True)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

import numpy as np

from kotae.kb import stable_hash
from kotae.suggest.gaps.cluster import central_order
from kotae.suggest.gaps.label import distinctive_terms, label_for, representatives
from kotae.suggest.gaps.propose import propose_entry
from kotae.suggest.gaps.report import Gap, Origin, Question, Signal
from kotae.suggest.gaps.timeline import gap_trend, parse_time, recency_weight, weekly_counts

MIN_WEIGHT = 0.05


def gap_id(questions: Sequence[Question]) -> str:
    """Named after its first question, so a gap keeps its id while new questions join it.

    >>> from suggest.gaps.report import Origin
    >>> q = Question("e1", "USD?", "en", Origin.LOG, (), "2026-11-01T00:00:00+00:00")
    >>> gap_id([q]) == gap_id([q, Question("e2", "ドル", "ja", Origin.LOG, (), "2026-11-09")])
    True
    """
    def key(q: Question) -> tuple[str, str]:
        when = parse_time(q.asked_at)
        return (when.isoformat() if when else "9999", q.id)

    return stable_hash("gap", min(questions, key=key).id, length=12)


def unanswered_weight(question: Question) -> float:
    """How surely a question went unanswered: 1 for a 「いいえ」 vote or a ticket the FAQ did not
    cover, else 1 − confidence (a question just under the threshold was nearly answered).

    >>> q = Question("e1", "x", "ja", Origin.LOG, (Signal.LOW_CONFIDENCE,), "", confidence=0.7)
    >>> round(unanswered_weight(q), 2)
    0.3
    """
    if Signal.NOT_HELPFUL in question.signals or question.origin is Origin.TICKET:
        return 1.0
    if question.confidence is None:
        return 1.0
    return max(1.0 - question.confidence, MIN_WEIGHT)


def in_language(terms: Sequence[str], language: str, spelled: dict[str, str]) -> list[str]:
    """``terms`` in ``language``'s script first (a Japanese gap is named in Japanese).

    >>> in_language(["usd", "ドル", "通貨"], "ja", {"usd": "USD"})
    ['ドル', '通貨', 'usd']
    """
    def foreign(term: str) -> bool:
        return spelled.get(term, term).isascii() != (language == "en")

    return sorted(terms, key=foreign)


def majority_language(questions: Sequence[Question]) -> str:
    """The most common language (Japanese wins a tie)."""
    counts = Counter(q.language or "ja" for q in questions)
    return max(sorted(counts), key=lambda lang: (counts[lang], lang == "ja"))


def assemble_gap(questions: Sequence[Question], vectors: np.ndarray,
                 terms: Sequence[set[str]], all_terms: Sequence[set[str]],
                 now: datetime, spelled: dict[str, str] | None = None) -> Gap:
    """One gap from its ``questions`` (rows of ``vectors`` and ``terms`` in the same order);
    ``spelled`` maps terms to how they are written (``label.surfaces``)."""
    order = central_order(vectors, list(range(len(questions))))
    ordered = [questions[i] for i in order]
    language = majority_language(questions)
    top_terms = in_language(distinctive_terms([terms[i] for i in order], all_terms, k=6),
                            language, (spelled or {}))[:3]
    times = sorted((t for t in (q.asked_at for q in questions) if parse_time(t)),
                   key=lambda t: parse_time(t))  # type: ignore[arg-type,return-value]
    signals = Counter(s.value for q in questions for s in q.signals)
    return Gap(
        id=gap_id(questions),
        label=label_for(top_terms, ordered[0].text, spelled),
        terms=top_terms,
        size=len(questions),
        score=round(sum(recency_weight(q.asked_at, now) * unanswered_weight(q)
                        for q in questions), 4),
        language=language,
        representatives=representatives([q.text for q in ordered]),
        first_seen=times[0] if times else "",
        last_seen=times[-1] if times else "",
        trend=gap_trend(times, now),
        signals=dict(sorted(signals.items())),
        weekly=weekly_counts(times),
        proposal=propose_entry(ordered, language),
        question_ids=[q.id for q in ordered],
    )
