"""Category and priority by weighted nearest neighbours, and the priority rules."""

from __future__ import annotations

from kotae.suggest import EscalationRules
from kotae.suggest.replies.triage import LabelledNeighbour, raise_priority, triage_ticket, vote
from kotae.suggest.replies.types import Escalation, Sentiment

NEUTRAL = Sentiment("neutral", 0.0)


def test_the_nearest_neighbours_count_most():
    label, share = vote([("billing", 0.93), ("account", 0.85), ("account", 0.84)])
    assert label == "billing" and share > 0.5
    assert vote([]) == ("", 0.0)


def test_priority_is_raised_to_the_floor_and_for_enterprise():
    assert raise_priority("low", "urgent") == "urgent"
    assert raise_priority("high", "normal") == "high"
    assert raise_priority("normal", steps=1) == "high"
    assert raise_priority("urgent", steps=1) == "urgent"


def test_triage_combines_votes_escalation_and_tier():
    rules = EscalationRules.load()
    neighbours = [LabelledNeighbour("account", "normal", 0.92),
                  LabelledNeighbour("account", "low", 0.90)]
    plain = triage_ticket(neighbours, NEUTRAL, None, rules)
    assert (plain.category, plain.priority) == ("account", "normal")
    security = Escalation("security", "…", "…")
    urgent = triage_ticket(neighbours, NEUTRAL, security, rules)
    assert urgent.priority == "urgent" and urgent.priority_confidence == 1.0
    assert triage_ticket(neighbours, NEUTRAL, None, rules, "enterprise").priority == "high"
    assert triage_ticket([], NEUTRAL, None, rules).category == "other"
