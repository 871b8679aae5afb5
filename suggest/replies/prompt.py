"""The LLM drafter's prompt and the parsing of its answer into cited sentences.

Example:
    >>> messages = build_messages(request, [("S1", source)])
    >>> parse_answer("設定を開きます[S1]。")
    [('設定を開きます。', ['S1'])]
"""

from __future__ import annotations

import re
from typing import Any

from kotae.suggest.compose import Source
from kotae.suggest.replies.drafter import DraftRequest

NO_ANSWER = "NO_ANSWER"
SOURCE_CHARS = 1200
_LANGUAGE_NAMES = {"ja": "Japanese (polite business Japanese, です・ます)", "en": "English"}
_CITE = re.compile(r"\[\s*(S\d+)\s*\]")
# "…です。[S1]" → "…です[S1]。" so that the citation stays with its sentence when splitting.
_CITE_AFTER_END = re.compile(r"([。.!?！？])\s*((?:\[\s*S\d+\s*\]\s*)+)")
_SPLIT = re.compile(r"(?<=[。!?！？])|(?<=[^\d\s][.])(?=\s)|\n+")

SYSTEM_PROMPT = """You write the answer part of a customer-support reply.
Rules:
- Use ONLY facts stated in the sources. Never add facts, numbers or steps they do not state.
- After EVERY sentence write the id of the source it comes from in square brackets, e.g. [S1].
- Write in {language}.
- No greeting and no sign-off: only the answer.
- If the sources do not answer the ticket, write exactly {no_answer}."""


def build_messages(request: DraftRequest, sources: list[tuple[str, Source]]) -> list[Any]:
    """System and user messages: rules, the labelled sources, then the ticket."""
    from langchain_core.messages import HumanMessage, SystemMessage

    language = _LANGUAGE_NAMES.get(request.language, request.language)
    blocks = []
    for label, src in sources:
        text = src.focus if src.focus and len(src.text) > SOURCE_CHARS else src.text
        blocks.append(f"[{label}] {src.title}\n{text[:SOURCE_CHARS]}")
    user = ("Sources:\n\n" + "\n\n".join(blocks) + "\n\nTicket subject: "
            + request.ticket.subject + "\nTicket body: " + request.ticket.body
            + "\n\nAnswer (cite a source id after every sentence):")
    return [SystemMessage(SYSTEM_PROMPT.format(language=language, no_answer=NO_ANSWER)),
            HumanMessage(user)]


def parse_answer(text: str) -> list[tuple[str, list[str]]]:
    """Sentences of an LLM answer with the source ids cited in each.

    >>> parse_answer("Open settings [S1]. Click save. [S2]")
    [('Open settings.', ['S1']), ('Click save.', ['S2'])]
    """
    text = _CITE_AFTER_END.sub(lambda m: m.group(2).strip() + m.group(1), text.strip())
    out: list[tuple[str, list[str]]] = []
    for piece in _SPLIT.split(text):
        labels = list(dict.fromkeys(_CITE.findall(piece)))
        sentence = " ".join(_CITE.sub("", piece).split()).strip(" -*")
        sentence = re.sub(r"\s+([。.!?！？])$", r"\1", sentence)
        if sentence and sentence != NO_ANSWER:
            out.append((sentence, labels))
    return out
