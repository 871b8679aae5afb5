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


def test_urgency_cues_raise_the_priority_in_japanese_and_english():
    rules = EscalationRules.load()
    calm = [LabelledNeighbour("billing", "low", 0.92)]
    for text in ("至急お願いします。", "本日中に届けたいです", "今日中に必要です",
                 "急ぎで確認したい", "業務が止まっています", "We need a fix ASAP",
                 "we need this working again by end of day"):
        assert triage_ticket(calm, NEUTRAL, None, rules, text=text).priority == "high", text
    assert triage_ticket(calm, NEUTRAL, None, rules, text="請求書の作り方").priority == "low"
    security = Escalation("security", "…", "…")  # a higher floor still wins
    assert triage_ticket(calm, NEUTRAL, security, rules, text="至急").priority == "urgent"
