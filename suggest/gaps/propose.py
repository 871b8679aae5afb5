"""A proposed FAQ entry for a gap: the customers' question, and an answer from past replies.

The answer is sentences copied from the replies of resolved tickets in the gap (greetings,
apologies, sign-offs and details of one customer's case removed), so it says nothing an agent
did not already send; the tickets it came from are cited. Without a resolved ticket the
proposal says so instead of inventing an answer.

Example:
    >>> proposal = propose_entry(ordered_questions, language="ja")
    >>> proposal.answer.splitlines()[0]
    '現在ミライ請求で作成できる請求書の通貨は日本円のみとなっており、…'
    >>> [c.ticket_id for c in proposal.citations]
    ['TCK-10007', 'TCK-10112']
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kotae.suggest.compose.foreign import carries_customer_context, is_boilerplate
from kotae.suggest.gaps.report import Origin, Proposal, Question, TicketCitation
from kotae.suggest.replies.frame import is_about_the_page
from kotae.suggest.text import SourceSentence, source_sentences

NO_ANSWER = {"ja": "この質問に回答した解決済みの問い合わせはまだありません。",
             "en": "No resolved ticket answers this yet."}
MAX_SENTENCES = 10
MAX_EXTRA = 2  # sentences taken from further replies (one each), when they add something
MAX_QUESTION_CHARS = 80
# A reply's apology before the answer: kept out, the rest of the sentence is the answer.
_APOLOGY = re.compile(r"^(大変|誠に)?(申し訳(ございません|ありません)が|恐れ入りますが)、?"
                      r"|^(unfortunately|we are sorry, but|sorry, but),?\s*", re.IGNORECASE)


def strip_apology(text: str) -> str:
    """The sentence without a leading apology.

    >>> strip_apology("大変申し訳ございませんが、現在は日本円のみです。")
    '現在は日本円のみです。'
    """
    return _APOLOGY.sub("", text).strip()


def answer_sentences(reply: str) -> list[SourceSentence]:
    """The sentences of ``reply`` that belong in an FAQ answer."""
    out = []
    for sentence in source_sentences(reply):
        text = strip_apology(sentence.text)
        if (len(text) < 4 or is_boilerplate(text) or carries_customer_context(text)
                or is_about_the_page(text)):
            continue
        out.append(SourceSentence(text, sentence.start, sentence.end, sentence.step,
                                  sentence.bullet, sentence.continues, sentence.row,
                                  sentence.asked))
    return out


def _bigrams(text: str) -> set[str]:
    compact = "".join(text.split()).lower()
    return {compact[i:i + 2] for i in range(len(compact) - 1)}


def is_redundant(text: str, kept: Sequence[str], limit: float = 0.4) -> bool:
    """True when ``text`` shares at least ``limit`` of its character pairs with a kept text.

    >>> is_redundant("通貨は日本円のみです。", ["請求書の通貨は日本円のみとなっております。"])
    True
    """
    grams = _bigrams(text)
    return any(len(grams & _bigrams(k)) >= limit * max(len(grams), 1) for k in kept)


def render(sentences: Sequence[SourceSentence]) -> str:
    """Prose sentences run together; numbered steps and bullets on their own lines."""
    lines: list[str] = []
    for s in sentences:
        if s.step is not None:
            lines.append(f"{s.step}. {s.text}")
        elif s.bullet:
            lines.append(f"・{s.text}")
        elif lines and not lines[-1][:1].isdigit() and not lines[-1].startswith("・"):
            lines[-1] += ("" if lines[-1].endswith(("。", "」")) else " ") + s.text
        else:
            lines.append(s.text)
    return "\n".join(lines)


def pick_question(questions: Sequence[Question], language: str) -> str:
    """The most central short question in ``language`` (log questions before ticket subjects)."""
    def first_line(q: Question) -> str:
        return q.text.splitlines()[0].strip()

    pool = [q for q in questions if q.language == language] or list(questions)
    for origin in (Origin.LOG, Origin.TICKET):
        for q in pool:
            if q.origin is origin and 0 < len(first_line(q)) <= MAX_QUESTION_CHARS:
                return first_line(q)
    return first_line(pool[0])[:MAX_QUESTION_CHARS] if pool else ""


def propose_entry(questions: Sequence[Question], language: str) -> Proposal:
    """The proposed entry from ``questions`` ordered most central first.

    The answer is the first usable resolved reply; further replies add a sentence each only
    from the gap's core (its more central half), where they are surely about the same thing.
    """
    question = pick_question(questions, language)
    core = {q.id for q in questions[:max(2, (len(questions) + 1) // 2)]}
    resolved = [q for q in questions if q.origin is Origin.TICKET and q.resolved and q.reply]
    resolved = ([q for q in resolved if q.language == language]
                or resolved)  # an answer in another language beats none
    for first, ticket in enumerate(resolved):
        sentences = answer_sentences(ticket.reply)[:MAX_SENTENCES]
        if not sentences:
            continue
        used = [ticket]
        texts = [s.text for s in sentences]
        for other in (q for q in resolved[first + 1:] if q.id in core):
            if len(sentences) >= MAX_SENTENCES + MAX_EXTRA:
                break
            extra = next((s for s in answer_sentences(other.reply)
                          if not s.listed and not is_redundant(s.text, ["".join(texts)])), None)
            if extra is not None:  # one sentence that adds something, per further reply
                sentences.append(extra)
                texts.append(extra.text)
                used.append(other)
        citations = tuple(TicketCitation(q.id, q.ticket_id, q.text.splitlines()[0]) for q in used)
        return Proposal(question, render(sentences), ticket.language, citations, True)
    return Proposal(question, NO_ANSWER.get(language, NO_ANSWER["en"]), language)
