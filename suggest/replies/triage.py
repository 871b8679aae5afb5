"""Category and priority from the labelled past tickets nearest to this one (weighted k-NN).

Each neighbour votes with weight ``exp(sharpness * (similarity - best similarity))``, so the
nearest tickets count most; the confidence is the winning label's share of the votes. The
priority is then raised to the floor of the escalation reason, and one step for enterprise
customers (as the escalation criteria say).

Example:
    >>> vote([("billing", 0.91), ("billing", 0.88), ("account", 0.80)])
    ('billing', 0.97)
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from kotae.suggest.replies.rules import PRIORITIES, EscalationRules
from kotae.suggest.replies.types import Escalation, Sentiment, Triage
from kotae.suggest.text import normalise

SHARPNESS = 20.0
UNKNOWN_CATEGORY = "other"
DEFAULT_PRIORITY = "normal"


@dataclass(frozen=True, slots=True)
class LabelledNeighbour:
    """A past ticket near this one: its labels and its similarity (cosine) to this one."""

    category: str
    priority: str
    similarity: float


def vote(labels: Sequence[tuple[str, float]], sharpness: float = SHARPNESS) -> tuple[str, float]:
    """The similarity-weighted majority label and its share of the weight ("", 0 when none)."""
    labels = [(label, sim) for label, sim in labels if label]
    if not labels:
        return "", 0.0
    best = max(sim for _, sim in labels)
    weights: dict[str, float] = defaultdict(float)
    for label, sim in labels:
        weights[label] += math.exp(sharpness * (sim - best))
    winner = max(weights, key=lambda k: weights[k])
    return winner, round(weights[winner] / sum(weights.values()), 2)


def raise_priority(priority: str, floor: str = "", steps: int = 0) -> str:
    """``priority`` raised to at least ``floor`` and then ``steps`` levels (capped at urgent)."""
    level = PRIORITIES.index(priority) if priority in PRIORITIES else 1
    if floor in PRIORITIES:
        level = max(level, PRIORITIES.index(floor))
    return PRIORITIES[min(level + steps, len(PRIORITIES) - 1)]


def _level(priority: str) -> int:
    return PRIORITIES.index(priority) if priority in PRIORITIES else -1


def triage_ticket(neighbours: Sequence[LabelledNeighbour], sentiment: Sentiment,
                  escalation: Escalation | None, rules: EscalationRules,
                  customer_tier: str = "", text: str = "") -> Triage:
    """Category, priority (with confidences), sentiment and escalation of a ticket; cues of
    urgency in its ``text`` (至急, 今日中, ASAP…) raise the priority to the rules' urgency
    level."""
    category, category_conf = vote([(n.category, n.similarity) for n in neighbours])
    priority, priority_conf = vote([(n.priority, n.similarity) for n in neighbours])
    floor = ""
    if escalation is not None:
        rule = rules.rule(escalation.reason)
        floor = rule.priority if rule else ""
    if rules.urgency.cues_in(normalise(text)):
        floor = max(floor, rules.urgency.priority, key=_level)
    raised = raise_priority(priority or DEFAULT_PRIORITY, floor,
                            1 if customer_tier == "enterprise" else 0)
    if raised != priority:
        priority_conf = 1.0 if floor and raised == floor else priority_conf
    return Triage(category=category or UNKNOWN_CATEGORY, category_confidence=category_conf,
                  priority=raised, priority_confidence=priority_conf, sentiment=sentiment,
                  escalate=escalation)
