"""Whole thoughts: what a chosen sentence brings into an answer with it.

A sentence is quoted only with what it needs to be understood: a step or a list's lead-in
brings the whole list and its lead-in (half a list of steps, or 「次のどちらかの方法で…」
without the ways, is no answer); a bare yes or no brings the sentence that says how; a sentence
that points back (「上記の」, 「こちらの」, 「手順2の画面で」) brings what it points at. When what
it needs cannot be quoted, the sentence is not quoted either. A table row that answers is
rendered as 「項目: 値」 with its column names (``row_text``); several rows of one table as the
table.

Example:
    >>> unit = unit_of(pool, 0, 3)
    >>> unit.indices, unit.kind
    ((2, 3, 4, 5), 'list')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kotae.suggest.compose.pool import Pool
from kotae.suggest.compose.questions import is_question
from kotae.suggest.text import INTRO, SourceSentence, about_page, is_table_rule, line_cells

MAX_LIST = 10  # items of one list quoted at most
MIN_ROW_CHARS = 12  # a row thinner than this (a bare label and a word) says nothing alone
SHORT_ANSWER = 24  # a yes/no sentence at most this long needs the next one
MAX_BACK = 3  # sentences a pointing sentence may reach back for what it points at

# A sentence that announces what follows (「次のどちらかの方法で対応できます。」): it comes with
# the list it introduces, or not at all.
_POINTS_AHEAD = re.compile(
    r"次の(どちらか|いずれか|とおり|通り|手順|方法|ように|ような|項目|[0-9一二三四五]+つ|点|情報|内容"
    r"|設定|操作)|以下の|下記の|the following|as follows|[:：]$", re.IGNORECASE)
_YES_NO = re.compile(r"^(はい|いいえ|いえ|yes|no)\b|^(はい|いいえ)[、。]", re.IGNORECASE)
# (その後 and そのため open a sentence that follows on from the one before; inside a sentence,
# 「…設立され、その後…」, they follow on from its own first clause.)
_POINTS_BACK = re.compile(
    r"上記|前述|こちらの|その(場合|際|画面|設定)|^その(後|ため)|この(場合|際|画面|設定|方法|操作)"
    r"|^(また|なお|ただし|ただ)、?(この|その)|\b(above|this (step|screen|setting))\b"
    r"|^(then|after that)\b", re.IGNORECASE)
_STEP_REF = re.compile(r"(?:手順|ステップ|step)\s*(\d{1,2})", re.IGNORECASE)


@dataclass(frozen=True)
class Unit:
    """Sentences of one source that are quoted together, in the source's order.

    ``kind``: "sentence", "list" (with its lead-in), "row" (one table row, as 項目: 値) or
    "table" (a table's lead-in and its rows, shown as the table)."""

    source: int
    indices: tuple[int, ...]
    kind: str = "sentence"


def _same_list(prev: SourceSentence, cur: SourceSentence) -> bool:
    if prev.step is not None and cur.step is not None:
        return cur.continues or cur.step == prev.step + 1
    return prev.bullet and cur.bullet and cur.step is None and prev.step is None


def _is_intro(sentences: Sequence[SourceSentence], k: int) -> bool:
    """Whether sentence ``k`` introduces the list or table right after it (「次の手順で…：」)."""
    if k + 1 >= len(sentences) or sentences[k].listed:
        return False
    nxt, text = sentences[k + 1], sentences[k].text
    return (nxt.step is not None or nxt.bullet or nxt.row) and (
        text.endswith((":", "：")) or bool(INTRO.search(text)))


def _table_unit(pool: Pool, source: int, k: int) -> Unit | None:
    """A table's lead-in with all the table's rows (or nothing, when it is too long)."""
    last = k + 1
    while last + 1 < len(pool[source]) and pool[source][last + 1].sentence.row:
        last += 1
    if last - k > MAX_LIST or not all(pool[source][j].quotable for j in range(k, last + 1)):
        return None
    return Unit(source, tuple(range(k, last + 1)), "table")


def _rows_after(sentences: Sequence[SourceSentence], j: int) -> int:
    """The last row of the table step ``j`` introduces (「3. 次の項目を設定します。」 and its
    table), or ``j`` when no table hangs from it."""
    text = sentences[j].text
    if sentences[j].step is None or j + 1 >= len(sentences) or not sentences[j + 1].row \
            or not (text.endswith((":", "：")) or INTRO.search(text)):
        return j
    end = j + 1
    while end + 1 < len(sentences) and sentences[end + 1].row:
        end += 1
    return end


def _list_span(sentences: Sequence[SourceSentence], k: int) -> tuple[int, int]:
    """The list sentence ``k`` is in; a table a step introduces is part of it when the steps go
    on after the table (a list is never cut at its table)."""
    first = last = k
    while first > 0:
        before = first - 1
        while before > 0 and sentences[before].row:
            before -= 1  # over a table that hangs from the step before it
        if before < first - 1 and _rows_after(sentences, before) == first - 1 \
                and _same_list(sentences[before], sentences[first]):
            first = before
        elif _same_list(sentences[first - 1], sentences[first]):
            first -= 1
        else:
            break
    while last + 1 < len(sentences):
        end = _rows_after(sentences, last)
        if end > last and end + 1 < len(sentences) and _same_list(sentences[last],
                                                                  sentences[end + 1]):
            last = end + 1
        elif _same_list(sentences[last], sentences[last + 1]):
            last += 1
        else:
            break
    return first, last


def _list_unit(pool: Pool, source: int, k: int) -> Unit | None:
    sentences = [c.sentence for c in pool[source]]
    first, last = _list_span(sentences, k + 1 if _is_intro(sentences, k) else k)
    if first > 0 and _is_intro(sentences, first - 1):
        first -= 1
    elif first > 0 and sentences[first - 1].text.endswith((":", "：")):
        first -= 1  # a lead-in of another wording still comes with its list
    if sum(not sentences[j].row for j in range(first, last + 1)) > MAX_LIST + 1:
        return None  # too long to quote whole; the source's link says where it is
    if (sentences[first].step or 1) > 1:
        return None  # a list that starts past its step 1 (a passage cut inside it): half a list
    if not all(pool[source][j].quotable for j in range(first, last + 1)):
        return None
    return Unit(source, tuple(range(first, last + 1)), "list")


def _alone(pool: Pool, source: int, k: int) -> Unit | None:
    """The sentence by itself (its list when it is in one), or None for a fragment."""
    c = pool[source][k]
    s = c.sentence
    if not c.quotable or s.asked or (is_question(s.text) and not s.row):
        return None  # a question (「〜できますか？」 in an FAQ list, a Q&A's Q) answers nothing
    if about_page(s.text):
        return None  # 「このページでは…をご案内します」 says what the page is, not the answer
    sentences = [x.sentence for x in pool[source]]
    if _is_intro(sentences, k) and sentences[k + 1].row:
        return _table_unit(pool, source, k)
    if s.step is not None or _is_intro(sentences, k):
        return _list_unit(pool, source, k)
    if s.bullet:  # a bulleted list comes whole with its lead-in; without one, an item alone
        first, _ = _list_span(sentences, k)
        if first > 0 and (_is_intro(sentences, first - 1)
                          or sentences[first - 1].text.endswith((":", "："))):
            return _list_unit(pool, source, k)
        return Unit(source, (k,)) if s.complete and _balanced(s.text) else None
    if s.row:
        return Unit(source, (k,), "row") if len(s.text) >= MIN_ROW_CHARS else None
    if _POINTS_AHEAD.search(s.text):
        return None  # a lead-in whose list is not right after it: both are left out
    if not s.complete and not (k + 1 < len(sentences) and not _balanced(s.text)):
        return None
    return _quoted_span(pool, source, k)


def _quoted_span(pool: Pool, source: int, k: int) -> Unit | None:
    """The sentence, or with its neighbours when a quote 「…」 was split between them (the
    smallest balanced span, at most two sentences either side); None if none is."""
    cands = pool[source]
    for width in range(0, 3):
        for a in range(max(0, k - width), k + 1):
            b = a + width
            if b >= len(cands) or b < k:
                continue
            span = range(a, b + 1)
            if any(cands[j].sentence.listed or not cands[j].quotable for j in span) and width:
                continue
            if _balanced("".join(cands[j].sentence.text for j in span)) and \
                    cands[b].sentence.complete:
                return Unit(source, tuple(span))
    return None


_PAIRS = (("「", "」"), ("『", "』"), ("(", ")"), ("“", "”"))


def _balanced(text: str) -> bool:
    """Whether every quote or bracket the sentence opens it also closes (a sentence split
    inside 「…。…」 is half a thought)."""
    return all(text.count(a) == text.count(b) for a, b in _PAIRS)


def _merge(a: Unit, b: Unit) -> Unit:
    kind = a.kind if a.kind != "sentence" else b.kind
    return Unit(a.source, tuple(sorted(set(a.indices) | set(b.indices))), kind)


def _step_list(pool: Pool, source: int, k: int, step: int) -> Unit | None:
    """The numbered list before sentence ``k`` that has a step ``step``."""
    for j in range(k - 1, -1, -1):
        if pool[source][j].sentence.step == step:
            return _list_unit(pool, source, j)
    return None


def unit_of(pool: Pool, source: int, k: int) -> Unit | None:
    """What sentence ``k`` of source ``source`` brings into an answer (None: not quotable)."""
    unit = _alone(pool, source, k)
    if unit is None:
        return None
    s = pool[source][k].sentence
    last = unit.indices[-1]
    if unit.kind == "sentence" and _YES_NO.search(s.text) and len(s.text) <= SHORT_ANSWER:
        how = _alone(pool, source, last + 1) if last + 1 < len(pool[source]) else None
        if how is None:
            return None  # 「はい、できます。」 without the how is no answer
        unit = _merge(unit, how)
    step_ref = _STEP_REF.search(s.text) if not s.listed else None
    if step_ref:
        listed = _step_list(pool, source, k, int(step_ref.group(1)))
        return _merge(listed, unit) if listed else None
    for _ in range(MAX_BACK):  # what it points back at (which may point back in turn)
        if unit.kind != "sentence" or not _POINTS_BACK.search(
                pool[source][unit.indices[0]].sentence.text):
            return unit
        first = unit.indices[0]
        before = _alone(pool, source, first - 1) if first > 0 else None
        if before is None:
            return None  # what it points at is not here
        unit = _merge(before, unit)
    return None


def table_cells(text: str, sentence: SourceSentence) -> tuple[list[str], list[str]]:
    """The header cells of the table a row belongs to, and the row's own cells."""
    lines = text[:sentence.start].split("\n")[:-1]
    row = line_cells(text[sentence.start:sentence.end])
    header: list[str] = []
    for n in range(len(lines) - 1, 0, -1):
        if not lines[n].strip().startswith("|"):
            break
        if is_table_rule(lines[n]):
            header = line_cells(lines[n - 1])
            break
    return header, row


def table_start(text: str, sentence: SourceSentence) -> int:
    """Where the table a row belongs to starts in ``text`` (rows of one table share it)."""
    start = text.rfind("\n", 0, sentence.start) + 1
    while start > 0:
        before = text.rfind("\n", 0, start - 1) + 1
        if not text[before:start].strip().startswith("|"):
            break
        start = before
    return start


def row_text(text: str, sentence: SourceSentence, language: str) -> str:
    """A table row as 「項目: 値」: its first cell, then each other cell under its column name
    (「解約の期限: 月額払い: 月末日の前日 23:59 / 年額払い: …」 reads as 項目 — 列: 値)."""
    header, row = table_cells(text, sentence)
    if len(row) < 2:
        return sentence.text
    sep = "、" if language == "ja" else "; "
    if len(row) == 2 or len(header) != len(row):
        return f"{row[0]}: " + sep.join(c for c in row[1:] if c)
    pairs = [f"{h}: {c}" if h else c for h, c in zip(header[1:], row[1:], strict=True) if c]
    return f"{row[0]}（{sep.join(pairs)}）" if language == "ja" else \
        f"{row[0]} ({sep.join(pairs)})"


def table_lines(text: str, sentences: Sequence[SourceSentence]) -> list[str]:
    """Rows of one table with its header, as Markdown table lines."""
    header, _ = table_cells(text, sentences[0])
    rows = [table_cells(text, s)[1] for s in sentences]
    out = []
    if header:
        out += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out
