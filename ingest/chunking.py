"""Sentence-aware chunking for Japanese and English text with Markdown headings.

Sentences end at 。！？!? (and . ! ? before a space in English) and at line breaks; chunks are
packed from whole sentences up to ``max_chars`` with ``overlap`` characters of trailing sentences
repeated at the start of the next chunk; each chunk carries the heading path above it.

Example:
    >>> pieces = chunk_text("# 設定\\n## 手順\\n設定を開きます。保存します。", title="設定")
    >>> [(p.heading, p.text) for p in pieces]
    [('設定 > 手順', '設定を開きます。保存します。')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kotae.kb.text import SENTENCE_END

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
# A line that is only a link: a list item of one Markdown link, or a bare URL.
_LINK_LINE = re.compile(r"^\s*(?:(?:[-*+]|\d+[.)])\s+)?(?:\[[^\]]*\]\([^)\s]*\)|<?https?://\S+>?)\s*$")


@dataclass(frozen=True, slots=True)
class TextPiece:
    heading: str
    text: str


def _sections(text: str, title: str) -> list[tuple[list[str], str]]:
    """(heading path, body) for each Markdown section; text before any heading goes under title."""
    path: list[tuple[int, str]] = []
    sections: list[tuple[list[str], list[str]]] = [([], [])]
    for line in text.split("\n"):
        m = _HEADING.match(line)
        if m:
            level, name = len(m.group(1)), m.group(2).strip()
            path = [(lv, n) for lv, n in path if lv < level] + [(level, name)]
            sections.append(([n for _, n in path], []))
        else:
            sections[-1][1].append(line)
    out = []
    for names, lines in sections:
        if names and names[0] == title:
            names = names[1:]
        body = "\n".join(lines).strip()
        if body:
            out.append(([title, *names] if title else names, body))
    content = [(names, body) for names, body in out if not is_navigation(body)]
    return content or out  # a page of nothing but links is still found by them


def is_navigation(body: str) -> bool:
    """A section that only links elsewhere (「関連ページ」, "Related articles"): its words are
    other pages' titles, so a search would find it for their subjects, and it answers nothing."""
    return all(_LINK_LINE.match(line) for line in body.split("\n") if line.strip())


def _lines_of_sentences(text: str) -> list[str]:
    """Sentences, each prefixed with how it joins the previous one ("\n", " " or "")."""
    out: list[str] = []
    for line in text.split("\n"):
        first = True
        for part in SENTENCE_END.split(line):
            part = part.strip()
            if not part:
                continue
            sep = "\n" if first else ("" if out and not out[-1][-1:].isascii() else " ")
            out.append(sep + part)
            first = False
    return out


def _join(units: list[str]) -> str:
    return "".join(units).lstrip()


def _pack(sentences: list[str], max_chars: int, overlap: int) -> list[str]:
    units: list[str] = []
    for s in sentences:  # a sentence longer than a chunk is cut into chunk-sized pieces
        units.extend(s[i:i + max_chars] for i in range(0, len(s), max_chars))
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for unit in units:
        if current and size + len(unit) > max_chars:
            chunks.append(_join(current))
            kept: list[str] = []
            kept_size = 0
            for prev in reversed(current):
                if kept_size + len(prev) > overlap or kept_size + len(prev) + len(unit) > max_chars:
                    break
                kept.insert(0, prev)
                kept_size += len(prev)
            current, size = kept, kept_size
        current.append(unit)
        size += len(unit)
    if current:
        chunks.append(_join(current))
    return chunks


def chunk_text(text: str, title: str = "", max_chars: int = 400,
               overlap: int = 80) -> list[TextPiece]:
    """Split a (Markdown) text into chunks that carry their heading path."""
    if max_chars < 50:
        raise ValueError(f"max_chars must be at least 50, got {max_chars}")
    if not 0 <= overlap < max_chars:
        raise ValueError(f"overlap must be in [0, max_chars), got {overlap}")
    pieces: list[TextPiece] = []
    for names, body in _sections(text, title):
        heading = " > ".join(names)
        for chunk in _pack(_lines_of_sentences(body), max_chars, overlap):
            pieces.append(TextPiece(heading=heading, text=chunk))
    return pieces
