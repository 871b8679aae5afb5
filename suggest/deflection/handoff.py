"""The pre-filled ticket of a hand-off: the customer's own words, a subject, a first priority.

The body is the question exactly as the customer wrote it (a contact form shows it back to
them to complete); kotae adds nothing to it. The priority is a first guess from urgency cues
that an agent's triage refines.

Example:
    >>> draft_ticket("至急：請求書が二重に発行されています。取り消せますか？", "ja").priority
    'high'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

MAX_SUBJECT_CHARS = 60
PRIORITIES = ("normal", "high")

# Words customers use when something is urgent or money or access is at stake.
_URGENT_CUES = (
    "至急", "緊急", "大至急", "急ぎ", "今すぐ", "すぐに", "本日中", "今日中", "障害",
    "つながらない", "繋がらない", "二重請求", "二重に請求", "二重引き落とし", "不正", "乗っ取",
    "漏洩", "情報漏えい",
    "urgent", "asap", "immediately", "right away", "outage", "is down", "charged twice",
    "double charge", "fraud", "hacked", "data leak",
)
_FIRST_SENTENCE = re.compile(r"^(.+?(?:[。！？]|[!?.](?=\s|$)))")


@dataclass(frozen=True, slots=True)
class TicketDraft:
    subject: str
    body: str
    language: str
    category: str = ""
    priority: str = "normal"

    def __post_init__(self) -> None:
        if self.priority not in PRIORITIES:
            raise ValueError(f"unknown priority {self.priority!r}; allowed: "
                             f"{', '.join(PRIORITIES)}")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["category"] = self.category or None
        return data


def ticket_subject(question: str, max_chars: int = MAX_SUBJECT_CHARS) -> str:
    """The first sentence of the question (or its first line), shortened to ``max_chars``.

    >>> ticket_subject("請求書が届きません。先月から毎月です。")
    '請求書が届きません。'
    """
    text = question.strip().split("\n", 1)[0].strip()
    match = _FIRST_SENTENCE.match(text)
    subject = match.group(1) if match else text
    return subject if len(subject) <= max_chars else subject[:max_chars - 1].rstrip() + "…"


def guess_priority(text: str) -> str:
    """``high`` when the text has an urgency cue, else ``normal``.

    >>> guess_priority("I was charged twice this month"), guess_priority("請求書の宛名を変えたい")
    ('high', 'normal')
    """
    folded = " " + unicodedata.normalize("NFKC", text).lower()
    return "high" if any(cue in folded for cue in _URGENT_CUES) else "normal"


def draft_ticket(question: str, language: str, category: str = "") -> TicketDraft:
    """A ticket for a person to answer, pre-filled from the customer's question."""
    body = question.strip()
    if not body:
        raise ValueError("cannot draft a ticket from an empty question")
    return TicketDraft(subject=ticket_subject(body), body=body, language=language,
                       category=category, priority=guess_priority(body))
