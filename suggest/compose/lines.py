"""A composition as lines a person reads: each picked thought in its source's order, grouped by
source in the order they were chosen; steps numbered, bullets kept, table rows as 「項目: 値」
and several rows of one table as the table. Rendering to text is the caller's (a deflection
joins them; a draft puts them in its frame).

Example:
    >>> [line.text for line in paragraph_lines(composition, composition.paragraphs[0], "ja")]
    ['宛名は「請求書・領収書の宛名設定」から変更できます。']
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kotae.suggest.compose.composer import Composition, Paragraph, Picked
from kotae.suggest.compose.units import row_text, table_lines, table_start
from kotae.suggest.text import ANSWER_MARK, Listing, SourceSentence


@dataclass(frozen=True)
class Line:
    """One line of an answer with where it came from (``also``: sources saying the same)."""

    text: str
    source: int
    sentences: tuple[SourceSentence, ...]
    step: int | None = None
    bullet: bool = False
    table: bool = False
    also: tuple[int, ...] = ()
    joined: bool = False  # a later sentence of the bulleted item on the line before


def _join_items(text: str, lines: list[Line]) -> list[Line]:
    """Lines of one source with each later sentence of a bulleted item marked as part of the
    item on the line before (「・編集: 内容を変更します。変更は次回分から反映されます。」 is one
    item, not two)."""
    out = lines[:1]
    for line in lines[1:]:
        prev, first = out[-1], line.sentences[:1]
        same = (line.bullet and prev.bullet and line.step is None and prev.step is None
                and not line.table and not prev.table and bool(first) and first[0].continues
                and bool(prev.sentences) and not prev.sentences[-1].row
                and "\n" not in text[prev.sentences[-1].end:first[0].start])
        out.append(replace(line, joined=True) if same else line)
    return out


def _by_source(picked: list[Picked]) -> list[list[Picked]]:
    groups: dict[int, list[Picked]] = {}
    for p in picked:
        groups.setdefault(p.unit.source, []).append(p)
    return [sorted(g, key=lambda p: p.unit.indices[0]) for g in groups.values()]


def paragraph_lines(c: Composition, paragraph: Paragraph, language: str) -> list[Line]:
    """The lines of one paragraph (one question's answer)."""
    out: list[Line] = []
    for group in _by_source(paragraph.picked):
        out += _join_items(c.sources[group[0].unit.source].text,
                           _group_lines(c, group, language))
    return out


def _group_lines(c: Composition, group: list[Picked], language: str) -> list[Line]:
    """The lines of one source's picked thoughts, in the source's order."""
    out: list[Line] = []
    source = group[0].unit.source
    text = c.sources[source].text
    cands = c.pool[source]
    also = tuple(sorted({a for p in group for a in p.also}))
    table_of = {i: table_start(text, cands[p.unit.indices[0]].sentence)
                for i, p in enumerate(group) if p.unit.kind == "row"}
    tables: dict[int, list[SourceSentence]] = {}  # rows picked, by the table they are in
    for i, start in table_of.items():
        tables.setdefault(start, []).append(cands[group[i].unit.indices[0]].sentence)
    for i, p in enumerate(group):
        rows = tables[table_of[i]] if i in table_of else []
        if len(rows) >= 2:  # several rows of one table: that table, with its header, where
            if rows[0] is cands[p.unit.indices[0]].sentence:  # its first row is
                out += [Line(line, source, tuple(rows) if n == 0 else (), table=True,
                             also=also) for n, line in enumerate(table_lines(text, rows))]
            continue
        if p.unit.kind == "table":
            out += _table(c, p, language, also)
            continue
        out += _unit_lines(text, [cands[j].sentence for j in p.unit.indices], source,
                           language, also)
    return out


def _unit_lines(text: str, sentences: list[SourceSentence], source: int, language: str,
                also: tuple[int, ...]) -> list[Line]:
    """A thought's sentences as lines; the rows of a table inside a list of steps as that
    table (one row alone as 「項目: 値」)."""
    out: list[Line] = []
    k = 0
    while k < len(sentences):
        s = sentences[k]
        end = k
        while s.row and end + 1 < len(sentences) and sentences[end + 1].row and \
                table_start(text, sentences[end + 1]) == table_start(text, s):
            end += 1
        if end > k:
            rows = sentences[k:end + 1]
            out += [Line(line, source, tuple(rows) if n == 0 else (), table=True, also=also)
                    for n, line in enumerate(table_lines(text, rows))]
        else:
            shown = row_text(text, s, language) if s.row else ANSWER_MARK.sub("", s.text)
            out.append(Line(shown, source, (s,), s.step, s.bullet or s.row, also=also))
        k = end + 1
    return out


def _table(c: Composition, p: Picked, language: str, also: tuple[int, ...]) -> list[Line]:
    """A table with its lead-in: the lead-in as a sentence, then the table's lines."""
    source, cands = p.unit.source, c.pool[p.unit.source]
    lead = [cands[j].sentence for j in p.unit.indices if not cands[j].sentence.row]
    rows = [cands[j].sentence for j in p.unit.indices if cands[j].sentence.row]
    out = [Line(s.text, source, (s,), also=also) for s in lead]
    for n, line in enumerate(table_lines(c.sources[source].text, rows)):
        out.append(Line(line, source, tuple(rows) if n == 0 else (), table=True, also=also))
    return out


def answer_text(lines: list[Line], language: str) -> str:
    """Plain text of lines: sentences run together, a list item or table row on its own line
    (``Listing``: the rule drafts share)."""
    listing = Listing(language)
    parts: list[str] = []
    paragraph: list[str] = []
    for line in lines:
        if line.step is None and not line.bullet and not line.table:
            paragraph.append(line.text)
            listing.prose()
            continue
        if paragraph:
            parts.append(listing.join.join(paragraph))
            paragraph = []
        listing.add(parts, line.text, step=line.step, bullet=line.bullet, joined=line.joined,
                    table=line.table)
    if paragraph:
        parts.append(listing.join.join(paragraph))
    return "\n".join(parts)
