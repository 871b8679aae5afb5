"""Snippets around the matched words, with the matches as offsets for highlighting.

A word matches when its term is one of the query's (the lexical index's match) or when it is
read the way part of the query's kana is read (a hiragana query highlights the katakana or
kanji word: the reading index's match; the searcher passes the reading of the kana typed). A
one-kanji word inside a compound none of whose other kanji match is part of another word and
is not marked (書 in 請求書 for a question about 領収書, 料 in 手数料 for one about 利用料).

A snippet reads as plain text, not Markdown: a table's cells read as a row of words
(Markdown's bars and rule rows become a light separator: 「送信結果 · 意味 · 送信済み · …」),
and emphasis marks, list bullets and heading marks are left out (「- **編集**：…」 reads
「編集：…」); numbered steps keep their numbers.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from kotae.kb.text import EMPHASIS_MARK
from kotae.retrieval.protocols import TokenSpan

MIN_READING = 2  # a one-kana reading (課, 日) is part of too many queries
CELL_SEPARATOR = " · "
# Markdown a person does not read: a run of table syntax (cell bars, with any rule row
# | --- | :-: | between them), emphasis marks, and a bullet or heading mark at a line's start.
_MARKUP = re.compile(r"(?P<bars>(?:\s*\|(?:\s*:?-+:?\s*\|)*\s*)+)|" + EMPHASIS_MARK
                     + r"|(?m:^[ \t]*(?:[-*+]|#{1,6})[ \t]+)")


_KANJI = re.compile(r"[\u3400-\u9fff\uf900-\ufaff々〆]")


def _read_in(word: str, query: str) -> bool:
    return len(word) >= MIN_READING and word in query


def whole_words(text: str, matches: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """``matches`` less a one-kanji match glued to kanji none of which matched: it is a part of
    another word (書 of 請求書, 料 of 手数料), not the word asked about. Next to a matched kanji
    it stays (書 of 領収書 when 領収 matched too), and so does a kanji standing alone.

    >>> whole_words("請求書と領収書", [(2, 3), (4, 6), (6, 7)])
    [(4, 6), (6, 7)]
    """
    covered = {i for b, e in matches for i in range(b, e)}

    def kanji(i: int) -> bool:
        return 0 <= i < len(text) and bool(_KANJI.match(text[i]))

    out = []
    for b, e in matches:
        if e - b == 1 and kanji(b):
            glued = [i for i in (b - 1, e) if kanji(i)]
            if glued and not any(i in covered for i in glued):
                continue
        out.append((b, e))
    return out


def make_snippet(text: str, spans: Sequence[TokenSpan], terms: Collection[str],
                 width: int = 160, reading: str = "") -> tuple[str, list[tuple[int, int]]]:
    """A window of ``text`` of about ``width`` characters around the first matched word, and the
    (start, end) offsets of matched words inside it. ``reading`` is the query's folded reading:
    a span whose own reading (``reading`` attribute, at least ``MIN_READING`` characters) is
    part of it matches too.

    >>> class S:  # a token span
    ...     def __init__(self, term, begin, end): self.term, self.begin, self.end = term, begin, end
    >>> make_snippet("設定画面でパスワードを変更します。", [S("パスワード", 5, 10)], {"パスワード"})
    ('設定画面でパスワードを変更します。', [(5, 10)])
    """
    matches = whole_words(text, [(s.begin, s.end) for s in spans if s.term in terms
                                 or _read_in(getattr(s, "reading", ""), reading)])
    start = 0
    if len(text) > width and matches:
        start = max(0, min(matches[0][0] - width // 4, len(text) - width))
    end = min(len(text), start + width)
    snippet = text[start:end]
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    highlights = [(b + shift, e + shift) for b, e in matches if b >= start and e <= end]
    return plain_text(prefix + snippet + suffix, highlights)


def plain_text(text: str, spans: Sequence[tuple[int, int]]
               ) -> tuple[str, list[tuple[int, int]]]:
    """``text`` as a person reads it (table bars and rule rows as ``CELL_SEPARATOR``; emphasis,
    bullet and heading marks left out), and ``spans`` moved with the text they mark.

    >>> plain_text("- **編集**：変更します。", [(4, 6)])
    ('編集：変更します。', [(0, 2)])
    """
    out: list[str] = []
    moved: list[tuple[int, int]] = []  # (old offset, shift) from the end of each run on
    pos = shift = 0
    for m in _MARKUP.finditer(text):
        instead = CELL_SEPARATOR if m.group("bars") else ""
        out += [text[pos:m.start()], instead]
        shift += len(instead) - (m.end() - m.start())
        moved.append((m.end(), shift))
        pos = m.end()
    if not moved:
        return text, list(spans)
    out.append(text[pos:])

    def at(offset: int) -> int:
        return offset + next((d for end, d in reversed(moved) if offset >= end), 0)

    return "".join(out), [(at(b), at(e)) for b, e in spans]
