"""Weekly use of self-service: questions, hand-offs, "did this help" votes, gap questions.

The deflection rate of a week is the share of its questions that did not end with a person
(no hand-off, no contact form); the helpful rate is the share of 「はい」 among its votes.
What learning changed is read from the same rows: the rates of the weeks before the latest
week phrasings were learnt against the weeks after it (``learning_effect``).

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
from kotae.suggest.gaps.report import LearningEffect, Question, WeekStats
from kotae.suggest.gaps.timeline import week_start, weeks_between

EFFECT_WEEKS = 4  # weeks compared on each side of a week phrasings were learnt


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


def pooled(weeks: Sequence[WeekStats]) -> WeekStats | None:
    """The weeks added up into one row (its ``week``: the first one's); None for no weeks."""
    if not weeks:
        return None
    return WeekStats(week=weeks[0].week, questions=sum(w.questions for w in weeks),
                     handoffs=sum(w.handoffs for w in weeks),
                     helpful=sum(w.helpful for w in weeks), votes=sum(w.votes for w in weeks),
                     gap_questions=sum(w.gap_questions for w in weeks),
                     learnt=sum(w.learnt for w in weeks))


def learning_effect(weeks: Sequence[WeekStats], window: int = EFFECT_WEEKS
                    ) -> LearningEffect | None:
    """The deflection and helpful rates in the weeks before and after the latest week that
    phrasings were learnt and that has weeks after it (the latest learning week when none has):
    up to ``window`` weeks each side, never reaching into another learning week, and the week
    of learning itself in neither (its questions were asked partly before, partly after).
    None when nothing was learnt in ``weeks``."""
    learnt = [i for i, w in enumerate(weeks) if w.learnt]
    if not learnt:
        return None
    settled = [i for i in learnt if any(w.questions for w in weeks[i + 1:])]
    at = settled[-1] if settled else learnt[-1]
    previous = max((i for i in learnt if i < at), default=-1)
    following = min((i for i in learnt if i > at), default=len(weeks))
    before = weeks[max(previous + 1, at - window):at]
    after = weeks[at + 1:min(following, at + 1 + window)]
    return LearningEffect(week=weeks[at].week, learnt=weeks[at].learnt,
                          before=pooled(before), after=pooled(after),
                          before_weeks=len(before), after_weeks=len(after))
