"""What the load test asks: questions and tickets from the bundled sample KB, and variants.

A share of the draws is sent exactly as written in the sample (popular questions repeat in real
traffic); the rest get a greeting and/or a closing, as customers and agents add them, so the
query-embedding cache of the server does not see only repeats.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from pathlib import Path

SAMPLE_KB = Path(__file__).resolve().parents[1] / "kb" / "sample_kb"
ENDPOINTS = ("search", "agent_search", "deflect", "suggest")
OPENINGS = {"ja": ["すみません、", "質問です。", "教えてください。", "急ぎです。",
                   "お世話になっております。", ""],
            "en": ["Hi, ", "Quick question: ", "Hello. ", "Please help: ", ""]}
CLOSINGS = {"ja": ["よろしくお願いします。", "至急確認したいです。", "どうすればよいでしょうか。",
                   "（困っています）", ""],
            "en": [" Thanks.", " Any idea?", " (urgent)", " Thank you in advance.", ""]}
KINDS = [None, "faq", "manual", "ticket"]
VISIBILITIES = [None, None, "public", "internal"]


def parse_mix(text: str) -> dict[str, float]:
    """``"search=50,deflect=20"`` -> weights per endpoint; unknown names are an error."""
    mix: dict[str, float] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        name, _, weight = item.partition("=")
        if name.strip() not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {name!r} in the mix; allowed: "
                             + ", ".join(ENDPOINTS))
        mix[name.strip()] = float(weight or 1)
    if not mix or sum(mix.values()) <= 0 or min(mix.values()) < 0:
        raise ValueError(f"the mix {text!r} has no positive weight")
    return mix


@dataclass(frozen=True)
class Text:
    text: str
    language: str


@dataclass(frozen=True)
class QueryPool:
    questions: list[Text]  # FAQ questions and ticket subjects: what people type in a box
    tickets: list[tuple[Text, Text]]  # (subject, body) of past tickets

    @classmethod
    def from_sample_kb(cls, folder: Path = SAMPLE_KB) -> QueryPool:
        with open(folder / "faq.csv", encoding="utf-8", newline="") as fh:
            faq = [Text(r["question"], r["language"]) for r in csv.DictReader(fh)]
        tickets = []
        with open(folder / "tickets.jsonl", encoding="utf-8") as fh:
            for line in filter(str.strip, fh):
                t = json.loads(line)
                tickets.append((Text(t["subject"], t["language"]), Text(t["body"], t["language"])))
        return cls(faq + [subject for subject, _ in tickets], tickets)

    @staticmethod
    def vary(item: Text, rng: random.Random, exact_share: float) -> str:
        """The text as written, or (with probability ``1 - exact_share``) with an opening and/or
        a closing in its language."""
        if rng.random() < exact_share:
            return item.text
        lang = item.language if item.language in OPENINGS else "en"
        opening, closing = "", ""
        while not (opening or closing):
            opening, closing = rng.choice(OPENINGS[lang]), rng.choice(CLOSINGS[lang])
        return opening + item.text + closing

    def short_question(self, rng: random.Random, exact_share: float) -> str:
        return self.vary(rng.choice(self.questions), rng, exact_share)

    def customer_question(self, rng: random.Random, exact_share: float) -> str:
        """Half short questions, half the body of a ticket (what a contact form receives)."""
        if rng.random() < 0.5:
            return self.short_question(rng, exact_share)
        return self.vary(rng.choice(self.tickets)[1], rng, exact_share)[:2000]

    def ticket(self, rng: random.Random, exact_share: float) -> tuple[str, str]:
        subject, body = rng.choice(self.tickets)
        return subject.text, self.vary(body, rng, exact_share)

    @staticmethod
    def agent_filters(rng: random.Random) -> dict[str, str]:
        """``kind`` and ``visibility`` filters as an agent console sends them (or none)."""
        kind, visibility = rng.choice(KINDS), rng.choice(VISIBILITIES)
        return {k: v for k, v in (("kind", kind), ("visibility", visibility)) if v}
