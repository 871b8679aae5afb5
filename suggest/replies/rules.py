"""Escalation and sentiment rules from a YAML file the support team edits.

The bundled ``suggest/replies/escalation_rules.yaml`` applies unless the KB directory holds its own
``escalation_rules.yaml``, which then replaces it whole.

Example:
    >>> rules = EscalationRules.load("var/kb")
    >>> [r.code for r in rules.reasons][:3]
    ['security', 'legal', 'outage']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from kotae.suggest.errors import RulesError
from kotae.suggest.text import normalise

RULES_FILE = "escalation_rules.yaml"
PRIORITIES = ("low", "normal", "high", "urgent")
SENTIMENT_LABELS = ("positive", "neutral", "negative", "angry")
LOW_CONFIDENCE_MESSAGE = {
    "ja": "ナレッジベースに確かな回答が見つかりませんでした。内容を確認してください。",
    "en": "kotae found no confident answer in the knowledge base. Please review the case.",
}


@dataclass(frozen=True)
class ReasonRule:
    """One reason to escalate: any cue or pattern matches, and no ``unless`` cue does."""

    code: str
    message_ja: str
    message_en: str
    priority: str = ""  # the least priority a ticket with this reason gets ("" = no change)
    cues: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    unless: tuple[str, ...] = ()
    sentiments: tuple[str, ...] = ()  # sentiment labels that also trigger this reason
    answer: bool = True  # False: the draft does not answer, a person takes the case over


@dataclass(frozen=True)
class UrgencyRule:
    """Cues of time pressure or stopped work: a ticket with one gets at least ``priority``."""

    priority: str = "high"
    cues: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()

    def cues_in(self, text: str) -> tuple[str, ...]:
        """The cues (and pattern matches) found in ``text`` (already ``normalise``d)."""
        found = [c for c in self.cues if c in text]
        found += [m.group(0) for p in self.patterns if (m := p.search(text))]
        return tuple(found)


@dataclass(frozen=True)
class SentimentLexicon:
    negative: dict[str, float] = field(default_factory=dict)
    positive: dict[str, float] = field(default_factory=dict)
    angry_at: float = -0.6  # score at or below which a customer counts as angry


@dataclass(frozen=True)
class EscalationRules:
    """The reasons in priority order, the low-confidence message and the sentiment cues.

    Example:
        >>> rules = EscalationRules.from_yaml(path.read_text(), str(path))
        >>> rules.rule("complaint").answer
        False
    """

    reasons: tuple[ReasonRule, ...]
    low_confidence: ReasonRule
    sentiment: SentimentLexicon
    source: str = ""
    urgency: UrgencyRule = field(default_factory=UrgencyRule)

    def rule(self, code: str) -> ReasonRule | None:
        if code == self.low_confidence.code:
            return self.low_confidence
        return next((r for r in self.reasons if r.code == code), None)

    @classmethod
    def load(cls, kb_dir: str | Path | None = None) -> EscalationRules:
        """The KB's own rules file if it has one, else the bundled rules."""
        if kb_dir is not None and (Path(kb_dir) / RULES_FILE).is_file():
            path = Path(kb_dir) / RULES_FILE
            return cls.from_yaml(path.read_text(encoding="utf-8"), str(path))
        bundled = resources.files("kotae.suggest.replies") / RULES_FILE
        return cls.from_yaml(bundled.read_text(encoding="utf-8"), f"(bundled) {RULES_FILE}")

    @classmethod
    def from_yaml(cls, text: str, source: str = "<string>") -> EscalationRules:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise RulesError(source, f"not valid YAML ({exc})") from None
        if not isinstance(data, dict) or not isinstance(data.get("reasons"), list):
            raise RulesError(source, "needs a top-level 'reasons' list")
        reasons = tuple(_reason(item, source) for item in data["reasons"])
        codes = [r.code for r in reasons]
        if len(set(codes)) != len(codes):
            raise RulesError(source, f"reason codes repeat: {codes}")
        low = _reason({"code": "low_confidence", "message": LOW_CONFIDENCE_MESSAGE,
                       **(data.get("low_confidence") or {})}, source)
        return cls(reasons, low, _lexicon(data.get("sentiment") or {}, source), source,
                   _urgency(data.get("urgency") or {}, source))


def _strings(value: Any, what: str, source: str, fold: bool = True) -> tuple[str, ...]:
    """A list of strings, NFKC-normalised and lower-cased unless ``fold`` is off (regexes)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise RulesError(source, f"{what} must be a list of strings, got {value!r:.80}")
    for v in value:
        if not isinstance(v, str) or not v:
            raise RulesError(source, f"{what}: {v!r:.80} is not a non-empty string (quote "
                             "cues that contain ':' or start with a symbol)")
    return tuple(normalise(v) if fold else v for v in value)


def _reason(item: Any, source: str) -> ReasonRule:
    if not isinstance(item, dict) or not isinstance(item.get("code"), str):
        raise RulesError(source, f"each reason needs a 'code' (got {item!r:.80})")
    code = item["code"]
    message = item.get("message") or {}
    if not isinstance(message, dict) or not message.get("ja"):
        raise RulesError(source, f"reason {code!r} needs message.ja (and message.en)")
    priority = item.get("priority") or ""
    if priority and priority not in PRIORITIES:
        raise RulesError(source, f"reason {code!r}: priority {priority!r} is not one of "
                         f"{', '.join(PRIORITIES)}")
    try:
        patterns = tuple(re.compile(p, re.IGNORECASE)
                         for p in _strings(item.get("patterns"), "patterns", source, fold=False))
    except re.error as exc:
        raise RulesError(source, f"reason {code!r}: bad pattern ({exc})") from None
    sentiments = _strings(item.get("sentiments"), "sentiments", source)
    if unknown := set(sentiments) - set(SENTIMENT_LABELS):
        raise RulesError(source, f"reason {code!r}: unknown sentiments {sorted(unknown)}")
    return ReasonRule(code=code, message_ja=str(message["ja"]),
                      message_en=str(message.get("en") or message["ja"]), priority=priority,
                      cues=_strings(item.get("cues"), f"{code}.cues", source), patterns=patterns,
                      unless=_strings(item.get("unless"), f"{code}.unless", source),
                      sentiments=sentiments, answer=bool(item.get("answer", True)))


def _urgency(data: Any, source: str) -> UrgencyRule:
    if not isinstance(data, dict):
        raise RulesError(source, f"urgency must be a mapping, got {data!r:.80}")
    priority = data.get("priority") or "high"
    if priority not in PRIORITIES:
        raise RulesError(source, f"urgency: priority {priority!r} is not one of "
                         f"{', '.join(PRIORITIES)}")
    try:
        patterns = tuple(re.compile(p, re.IGNORECASE) for p in
                         _strings(data.get("patterns"), "urgency.patterns", source, fold=False))
    except re.error as exc:
        raise RulesError(source, f"urgency: bad pattern ({exc})") from None
    return UrgencyRule(priority, _strings(data.get("cues"), "urgency.cues", source), patterns)


def _weights(value: Any, what: str, source: str) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, int | float) for v in value.values()):
        raise RulesError(source, f"sentiment.{what} must map cues to numbers")
    return {normalise(str(k)): float(v) for k, v in value.items()}


def _lexicon(data: dict[str, Any], source: str) -> SentimentLexicon:
    angry_at = float(data.get("angry_at", -0.6))
    if not -1.0 <= angry_at < 0.0:
        raise RulesError(source, f"sentiment.angry_at must be in [-1, 0), got {angry_at}")
    return SentimentLexicon(_weights(data.get("negative"), "negative", source),
                            _weights(data.get("positive"), "positive", source), angry_at)
