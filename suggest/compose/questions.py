"""The questions of a ticket: each thing the customer asks, with the sentences that set it up.

A ticket that numbers or bullets its asks (①, (1), 1., ・) has one question per item that asks
something. Otherwise a sentence that asks (a question mark, 〜ますか, 〜でしょうか, 〜ください,
"can I…") with the statements before it is a question, and it is another question only when
it says so (「また、」「もう1点」, "Also"); else it asks more about the question before. A ticket
with one question (or none that can be told apart) is one question: its whole text.

Example:
    >>> split_questions("①領収書はもらえますか。\\n②宛名はどこで変えられますか。")
    ['①領収書はもらえますか。', '②宛名はどこで変えられますか。']
"""

from __future__ import annotations

import re

from kotae.kb.text import SENTENCE_END

MAX_QUESTIONS = 4
MIN_CHARS = 8  # an ask shorter than this ("どうですか？") is not a question of its own

_NUMBER = r"[①-⑨]|[(（]\d{1,2}[)）]|\d{1,2}[.)．、]\s|\d+点目|Q\d"
_NUMBERED = re.compile(rf"^\s*(?:{_NUMBER})")
_ITEM = re.compile(rf"^\s*(?:{_NUMBER}|[・•●■◆*-]\s*)")  # numbered or bulleted
# A question: what an article's own sentence must end with to be one.
_QUESTION_END = r"[?？]\s*$|(ますか|ですか|でしょうか|ませんか|のか)[。.]?\s*$"
_QUESTION = re.compile(_QUESTION_END)
# A customer's ask: a question, a request (「教えてください」), a want (「〜したいです」), a want
# that is blocked (「〜したいのですが、…しか選べません」) or an English question word.
_ASKS = re.compile(
    _QUESTION_END + r"|(ますでしょうか|ください|たいです|いただけ(ますか|ませんか)|ほしいです"
    r"|欲しいです|知りたいです|教えて)[。.]?\s*$|たい(の|ん)です(が|けど)"
    r"|^(how|what|where|when|which|why|can|could|is|are|do|does|will|would|should)\b",
    re.IGNORECASE)
# Without numbers or bullets, a sentence opens another question only when it says so.
_ANOTHER = re.compile(r"^(また|それと|あと|もう(一|1|ひと)[点つ]|加えて|別件|ついでに"
                      r"|[2-9２-９二三]点目|also|additionally|another|second|secondly"
                      r"|separately|one more)",
                      re.IGNORECASE)
_GREETING = re.compile(r"お世話になっております|よろしくお願い|^(hi|hello|dear|thanks|regards"
                       r"|best regards)\b", re.IGNORECASE)


def _sentences(line: str) -> list[str]:
    parts = [p.strip() for p in SENTENCE_END.split(line)]
    return [p for p in parts if p]


def asks(text: str) -> bool:
    """Whether a sentence asks something (a question or a request)."""
    return bool(_ASKS.search(text.strip()))


def is_question(text: str) -> bool:
    """Whether a sentence of an article or answer is a question (an FAQ's 「〜できますか?」
    quoted in a list), not an instruction: 「〜をご依頼ください」 and 「〜したいです」 answer
    nothing as requests from a customer do, but an article's 「〜してください」 is the how."""
    return bool(_QUESTION.search(text.strip()))


def _items(lines: list[str]) -> list[str]:
    """Numbered or bulleted items that ask something, each with its continuation lines."""
    items: list[str] = []
    current: list[str] | None = None
    for line in lines:
        if _ITEM.match(line):
            if current:
                items.append(" ".join(current))
            current = [line.strip()]
        elif current is not None and line.strip() and not _signature_like(line):
            current.append(line.strip())
        elif current:
            items.append(" ".join(current))
            current = None
    if current:
        items.append(" ".join(current))
    items = [i for i in items if len(i) >= MIN_CHARS]
    asking = [i for i in items if any(asks(s) for s in _sentences(i))]
    numbered = [i for i in items if _NUMBERED.match(i)]
    # A ticket that numbers its points asks about each, a problem it reports included
    # (「(1) 明細が取り込まれなくなりました。」); a bullet that only states something is context.
    return numbered if len(numbered) >= 2 and asking else asking


def lead_in(body: str) -> str:
    """What a ticket says before its numbered or bulleted asks (「スタンダードプランを3人で使って
    います。」), which every item is asked in; "" when its asks are not items (a question in
    prose carries the statements before it already)."""
    lines = [ln for ln in body.split("\n") if not _GREETING.search(ln.strip())]
    if len(_items(lines)) < 2:
        return ""
    before = []
    for line in lines:
        if _ITEM.match(line):
            break
        if line.strip() and not _signature_like(line):
            before.append(line.strip())
    return _join(before)


def split_questions(body: str) -> list[str]:
    """The questions of ``body`` (a ticket's text), at most ``MAX_QUESTIONS``; [body] when
    it asks one thing or its asks cannot be told apart."""
    lines = [ln for ln in body.split("\n") if not _GREETING.search(ln.strip())]
    items = _items(lines)
    if len(items) >= 2:
        return items[:MAX_QUESTIONS]
    out: list[str] = []
    context: list[str] = []
    for line in lines:
        for sentence in _sentences(line):
            context.append(sentence)
            if not asks(sentence):
                continue
            ask = _join(context)
            if out and not _ANOTHER.search(context[0]):
                out[-1] = _join([out[-1], ask])  # more about the same question
            else:
                out.append(ask)
            context = []
    if len(out) < 2:
        return [body.strip()]
    return out[:MAX_QUESTIONS]


def _signature_like(line: str) -> bool:
    """A short line that ends no sentence (a name, a company): not part of a question."""
    text = line.strip()
    return len(text) < 20 and not text.endswith(("。", ".", "?", "？", "!", "！", "か"))


def _join(parts: list[str]) -> str:
    text = "".join(parts)
    return text if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text) else " ".join(parts)
