"""Weekly use of self-service: questions, hand-offs, "did this help" votes, gap questions.

The deflection rate of a week is the share of its questions that did not end with a person
(no hand-off, no contact form); the helpful rate is the share of 「はい」 among its votes.

Example:
    >>> weeks = week_stats(log.events(since=since), questions)
    >>> weeks[-1].deflection_rate, weeks[-1].helpful_rate
    (0.82, 0.75)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from kotae.kb import Action, EventType, QueryEvent
from kotae.suggest.gaps.collect import QUESTION_EVENTS
from kotae.suggest.gaps.report import Question, WeekStats
from kotae.suggest.gaps.timeline import week_start, weeks_between


def is_question(event: QueryEvent, logged_ids: set[str]) -> bool:
    """A customer's question (a contact sent from a logged search is that search, not a new one)."""
    if event.event not in QUESTION_EVENTS or not event.query.strip():
        return False
    return not (event.event is EventType.CONTACT and event.parent_id in logged_ids)


def is_handoff(event: QueryEvent) -> bool:
    return (event.action is Action.HANDOFF or event.event is EventType.CONTACT
            or event.outcome == "contacted")


def week_stats(events: Iterable[QueryEvent], questions: Sequence[Question],
               until: str = "", learnt_at: Iterable[str] = ()) -> list[WeekStats]:
    """One row per week from the first event or gap question to ``until`` (or the last one);
    ``learnt_at``: when each phrasing learnt from use was approved."""
    events = list(events)
    ids = {e.id for e in events}
    asked: Counter[str] = Counter()
    handed: Counter[str] = Counter()
    votes: Counter[str] = Counter()
    helpful: Counter[str] = Counter()
    for event in events:
        week = week_start(event.created_at)
        if not week:
            continue
        if is_question(event, ids):
            asked[week] += 1
            handed[week] += is_handoff(event)
        if event.helpful is not None:
            votes[week] += 1
            helpful[week] += event.helpful
    gap_weeks = Counter(w for w in (week_start(q.asked_at) for q in questions) if w)
    learnt = Counter(w for w in map(week_start, learnt_at) if w)
    seen = sorted(set(asked) | set(votes) | set(gap_weeks) | set(learnt))
    if not seen:
        return []
    return [WeekStats(week=w, questions=asked[w], handoffs=handed[w], helpful=helpful[w],
                      votes=votes[w], gap_questions=gap_weeks[w], learnt=learnt[w])
            for w in weeks_between(seen[0], until or seen[-1])]
