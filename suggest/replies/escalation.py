"""Whether a ticket goes to a human, and why: the first matching rule of the rules file.

Rules are tried in file order (the order of the team's escalation criteria); a ticket that
matches none escalates as ``low_confidence`` when kotae is not confident of an answer.

Example:
    >>> rules = EscalationRules.load()
    >>> decide_escalation("責任者を出してください", sentiment, rules).reason
    'complaint'
"""

from __future__ import annotations

from kotae.suggest.replies.rules import EscalationRules, ReasonRule
from kotae.suggest.replies.types import Escalation, Sentiment
from kotae.suggest.text import normalise


def matched_cues(rule: ReasonRule, folded: str, sentiment: Sentiment | None = None) -> list[str]:
    """The cues of ``rule`` found in the NFKC-folded text ([] when none, or when an ``unless``
    cue is there too)."""
    found = [cue for cue in rule.cues if cue in folded]
    found += [m.group(0) for p in rule.patterns if (m := p.search(folded))]
    if sentiment is not None and sentiment.label in rule.sentiments:
        found.append(f"sentiment:{sentiment.label}")
    if found and any(cue in folded for cue in rule.unless):
        return []
    return found


def _escalation(rule: ReasonRule, cues: list[str]) -> Escalation:
    return Escalation(reason=rule.code, message=rule.message_ja, message_en=rule.message_en,
                      cues=tuple(dict.fromkeys(cues)))


def decide_escalation(text: str, sentiment: Sentiment | None, rules: EscalationRules,
                      confident: bool = True) -> Escalation | None:
    """The escalation for a ticket's ``text``, or None when an agent can answer it as usual."""
    folded = normalise(text)
    for rule in rules.reasons:
        cues = matched_cues(rule, folded, sentiment)
        if cues:
            return _escalation(rule, cues)
    if not confident:
        return _escalation(rules.low_confidence, [])
    return None
