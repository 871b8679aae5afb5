"""Text helpers for drafting: sentences of Markdown sources (with their list and table roles)
and term overlap. Where sentences end and which language a text is in are kb's rules
(``kotae.kb.text``), shared with ingestion.

Example:
    >>> [s.text for s in source_sentences("1. 設定を開きます。\\n2. **保存**します。")]
    ['設定を開きます。', '保存します。']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace

from kotae.kb.text import EMPHASIS_MARK, SENTENCE_END

_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_STEP = re.compile(r"^\s*(?:>\s*)*(\d{1,2})[.)．]\s+")
_BULLET = re.compile(r"^\s*(?:>\s*)*(?:[-*+]\s+|[・•]\s*)+")  # "**bold**" is not a bullet
# A block quote (「> **注意** …」) is a note in prose: its sentences are not list items.
_QUOTE = re.compile(r"^\s*(?:>\s*)+")
# The question of a Q&A written in an article (「**Q. 会社のカードが変わったので…**」): it says
# what a customer asks, not what the answer is.
_ASKED = re.compile(r"^(?:\*\*|__)?\s*(?:Q|Ｑ|質問|問)\s*\d*\s*[.:：．]")
# Its answer's mark (「A. 上記の手順で…」): the sentence is an answer, shown without the mark.
ANSWER_MARK = re.compile(r"^(?:\*\*|__)?\s*(?:A|Ａ|答え?)\s*\d*\s*[.:：．]\s*")
_HEADING = re.compile(r"^\s*(#{1,6})\s")
# A heading that numbers its section (「### 1. 迷惑メールフォルダ」, 「## 方法2」, 「### Step 3」).
_NUMBERED_HEADING = re.compile(
    r"^\s*(#{1,6})\s+(?:(\d{1,2})(?:[.)．、:：]|\s|$)|(?:方法|手順|ステップ|パターン|ケース|その"
    r"|step|option|case)\s*(\d{1,2})(?:\D|$))", re.IGNORECASE)
# A sentence that announces a list (「次の点をご確認ください。」): with ``text`` ending in a colon,
# what ``compose.units`` reads as a lead-in.
INTRO = re.compile(r"(次の|以下の|下記の|the following|as follows)", re.IGNORECASE)
SECTION_SENTENCES = 3  # a numbered section longer than this is an article's part, not an item
SECTION_LIST = 10  # sentences of all the sections read as one list, at most
_TABLE_RULE = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(EMPHASIS_MARK)
# The spaces an author puts around emphasis inside Japanese prose (「後に **移行** します」, for
# Markdown's sake): they go with the marks, where a Japanese character is on both sides.
# (A digit beside a Japanese character counts as one: 「は **1つの**」.)
_SPACED_EMPHASIS = (
    re.compile(r"(?<=[^\x00-\x7f])[ \t]*(?:\*\*|__)[ \t]*(?=[^\x00-\x7f\s]|\d)"),
    re.compile(r"(?<=[^\x00-\x7f]|\d)[ \t]*(?:\*\*|__)[ \t]*(?=[^\x00-\x7f\s])"),
)
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w")
_ENDS = ("。", ".", "!", "?", "！", "？", "」")


@dataclass(frozen=True, slots=True)
class SourceSentence:
    """One sentence of a source, cleaned of Markdown, with its offsets in the source.

    ``step`` is the list number of the line it is on; ``bullet`` marks a bulleted line,
    ``row`` a table row (its cells joined into one sentence) and ``asked`` the question of a
    Q&A in an article (never quoted as an answer).
    """

    text: str
    start: int
    end: int
    step: int | None = None
    bullet: bool = False
    continues: bool = False  # a later sentence of the same list item
    row: bool = False
    asked: bool = False
    section: bool = False  # a list item that is a numbered section's paragraph

    @property
    def listed(self) -> bool:
        return self.step is not None or self.bullet or self.row

    @property
    def complete(self) -> bool:
        """Ends like a sentence (a bare phrase, e.g. a link title, does not)."""
        return self.text.endswith(_ENDS)


class Listing:
    """How listed lines read, the one rule for every answer and draft: steps numbered from 1
    (a new list starts again at 1; a later sentence of a step stays on its line), bulleted
    items marked, a later sentence of an item on its line, a table's lines as they are (a table
    inside a list of steps keeps their count). Callers keep their own paragraphs and call
    ``prose`` when a line of prose comes between lists.

    Example:
        >>> listing, out = Listing("ja"), []
        >>> listing.add(out, "画面を開きます。", step=1); listing.add(out, "保存します。", step=2)
        >>> out
        ['1. 画面を開きます。', '2. 保存します。']
    """

    def __init__(self, language: str) -> None:
        self.join = "" if language == "ja" else " "
        self.mark = "・" if language == "ja" else "- "
        self.number = 0
        self.last_step: int | None = None

    def starts_list(self, step: int | None) -> bool:
        """Whether a step begins a new list right after another list's step."""
        return step is not None and self.last_step is not None and step < self.last_step

    def prose(self) -> None:
        self.last_step = None

    def add(self, out: list[str], text: str, *, step: int | None = None, bullet: bool = False,
            joined: bool = False, table: bool = False) -> None:
        """Append a listed line (a step, an item, a table's line) to ``out``."""
        if table:
            out.append(text)
            return
        same_item = joined and bullet and step is None  # an item's later sentence
        same_step = step is not None and step == self.last_step  # a step's later sentence
        if (same_item or same_step) and out:
            out[-1] += self.join + text
            return
        if step is not None:
            self.number = 1 if self.last_step is None or step <= self.last_step \
                else self.number + 1
            out.append(f"{self.number}. {text}")
        else:
            out.append(f"{self.mark}{text}")
        self.last_step = step


def _clean(text: str) -> str:
    text = _LINK.sub(r"\1", text)
    for spaced in _SPACED_EMPHASIS:
        text = spaced.sub("", text)
    return _SPACES.sub(" ", _EMPHASIS.sub("", text)).strip()


def line_cells(line: str) -> list[str]:
    """The cells of one line of a Markdown table, emphasis marks dropped."""
    return [c.strip() for c in _EMPHASIS.sub("", line.strip().strip("|")).split("|")]


def is_table_rule(line: str) -> bool:
    """Whether a line is a Markdown table's rule (``| --- | :-: |``)."""
    return _TABLE_RULE.match(line) is not None


def _row_text(line: str) -> str:
    """A table row as one sentence: "code：meaning。action。" ("code: meaning. action.")."""
    cells = [_clean(c) for c in line.strip().strip("|").split("|")]
    cells = [c for c in cells if c]
    if len(cells) < 2:
        return ""
    if _KANA.search(line) or _HAN.search(line):
        return cells[0] + "：" + "".join(c if c.endswith(_ENDS) else c + "。" for c in cells[1:])
    return cells[0] + ": " + " ".join(c if c.endswith(_ENDS) else c + "." for c in cells[1:])


def source_sentences(text: str) -> list[SourceSentence]:
    """Sentences of a Markdown source with their offsets; headings and code dropped, table
    rows (not the header) kept as one sentence each."""
    out: list[SourceSentence] = []
    lines = text.split("\n")
    offset = 0
    in_code = False
    # (level, number, index in ``out`` of its first sentence) of each heading, in order
    headings: list[tuple[int, int | None, int]] = []
    notes: set[int] = set()  # sentences of block quotes (a note after a section is not its item)
    paragraph_of: list[int] = []  # each sentence's paragraph (blank lines and headings part them)
    paragraph = 0
    for n, line in enumerate(lines):
        line_start, offset = offset, offset + len(line) + 1
        stripped = line.strip()
        if stripped.startswith("```"):
            in_code = not in_code
        heading = None if in_code else _HEADING.match(line)
        if heading:
            numbered = _NUMBERED_HEADING.match(line)
            headings.append((len(heading.group(1)), int(next(
                g for g in numbered.groups()[1:] if g)) if numbered else None, len(out)))
            paragraph += 1
            continue
        if not stripped:
            paragraph += 1
        if in_code or stripped.startswith("```") or not stripped:
            continue
        if stripped.startswith("|"):
            header = n + 1 < len(lines) and _TABLE_RULE.match(lines[n + 1]) is not None
            row = "" if header or _TABLE_RULE.match(line) else _row_text(line)
            if row:
                out.append(SourceSentence(row, line_start, line_start + len(line), row=True))
                paragraph_of.append(paragraph)
            continue
        step_match = _STEP.match(line)
        bullet_match = None if step_match else _BULLET.match(line)
        marker = step_match or bullet_match or _QUOTE.match(line)
        body_start = marker.end() if marker else len(line) - len(line.lstrip())
        step = int(step_match.group(1)) if step_match else None
        asked = _ASKED.match(line[body_start:]) is not None
        pos = line_start + body_start
        for i, part in enumerate(SENTENCE_END.split(line[body_start:])):
            asked = asked and not ANSWER_MARK.match(part.strip())  # 「Q. …？ A. …」 on one line
            cleaned = _clean(part)
            if len(cleaned) >= 4 and _WORD.search(cleaned):
                begin = pos + (len(part) - len(part.lstrip()))
                if marker is not None and not step_match and not bullet_match:
                    notes.add(len(out))
                out.append(SourceSentence(cleaned, begin, pos + len(part.rstrip()), step,
                                          bool(bullet_match), continues=i > 0, asked=asked))
                paragraph_of.append(paragraph)
            pos += len(part)
    return _sections_as_items(out, headings, notes, paragraph_of)


def _sections_as_items(out: list[SourceSentence], headings: list[tuple[int, int | None, int]],
                       notes: set[int], paragraph_of: list[int]) -> list[SourceSentence]:
    """Short numbered sections that a sentence announces (「次の点をご確認ください。」 then
    「### 1. 迷惑メールフォルダ」, 「### 2. …」) are the items of its list: each section's
    sentences become that step, so the lead-in is quoted with them, as with a Markdown list.
    A section's item is its first paragraph (what follows it, e.g. 「上記を確認しても…」 after
    the last one, and a note in a block quote, are not)."""
    n = 0
    while n < len(headings):
        level, number, first = headings[n]
        run = [n]
        while run[-1] + 1 < len(headings):
            nxt = headings[run[-1] + 1]
            prev_number = headings[run[-1]][1]
            if nxt[0] != level or nxt[1] is None or prev_number is None \
                    or nxt[1] != prev_number + 1:
                break
            run.append(run[-1] + 1)
        # the lead-in: the sentence right before the first section, under the same heading
        lead_under = headings[run[0] - 1][2] if run[0] > 0 else 0
        n = run[-1] + 1
        if number is None or len(run) < 2 or first == 0 or first - 1 < lead_under:
            continue
        ends = [headings[i + 1][2] if i + 1 < len(headings) else len(out) for i in run]
        ends = [min([j for j in range(headings[i][2], end) if j in notes
                     or paragraph_of[j] != paragraph_of[headings[i][2]]], default=end)
                for i, end in zip(run, ends, strict=True)]
        spans = [(headings[i][2], end) for i, end in zip(run, ends, strict=True)]
        lead = out[first - 1]
        if not (lead.text.endswith((":", "：")) or INTRO.search(lead.text)) or lead.listed \
                or ends[-1] - first > SECTION_LIST or any(
                    not 0 < end - start <= SECTION_SENTENCES
                    or any(x.listed for x in out[start:end]) for start, end in spans):
            continue
        for i, (start, end) in zip(run, spans, strict=True):
            for j in range(start, end):
                out[j] = replace(out[j], step=headings[i][1], continues=j > start,
                                 section=True)
    return out


def _heading_name(line: str) -> str:
    """A heading as a chunk's heading path names it (a closing ``##`` is not part of it)."""
    return "".join(unicodedata.normalize("NFKC", line.strip().strip("#")).split())


def numbered_section(heading_path: str) -> bool:
    """Whether a passage's heading path ends in a numbered section under another heading."""
    parts = heading_path.split(" > ")
    return len(parts) >= 2 and _NUMBERED_HEADING.match("# " + parts[-1].strip()) is not None


# A sentence about the page itself (「このページでは、…をご案内します。」, "This article explains
# …"): it answers nothing, and the reader of an answer or a reply is not on that page.
_ABOUT_PAGE = re.compile(
    r"^(?:この|本)(?:ページ|記事|文書|マニュアル|ガイド)(?:では|で|は)"
    r"|^(?:this|the following) (?:article|page|guide|document) (?:explains|describes|shows"
    r"|covers|is about|tells)|^in this (?:article|page|guide)\b"
    r"|(?:について|を)(?:ご案内|ご説明|説明|ご紹介|紹介)します。?$", re.IGNORECASE)


def about_page(sentence: str) -> bool:
    """Whether a sentence says what its page is about rather than anything of the subject."""
    return bool(_ABOUT_PAGE.search(sentence))


def page_lead(text: str) -> str:
    """What a page says before its first section (its title line aside): the summary a page
    opens with, or "" when it opens with a section."""
    lead: list[str] = []
    for n, line in enumerate(text.strip().split("\n")):
        heading = _HEADING.match(line)
        if heading and (n > 0 or len(heading.group(1)) > 1):
            break
        if not heading:
            lead.append(line)
    return "\n".join(lead).strip()


def may_announce(heading_path: str, passage: str) -> bool:
    """Whether ``announced_section`` may widen a passage: cut at a numbered section, or ending
    in a sentence that announces what follows (cheap, before reading the document)."""
    if numbered_section(heading_path):
        return True
    last = passage.rstrip().rsplit("\n", 1)[-1]
    sentences = source_sentences(last)
    return bool(sentences) and (INTRO.search(sentences[-1].text) is not None
                                or sentences[-1].text.endswith((":", "：")))


def announced_section(text: str, heading_path: str) -> str | None:
    """The section that holds the numbered sections a lead-in announces as its list
    (「次のどちらかの方法で対応できます。」 with ``### 方法1`` and ``### 方法2``), for a passage
    cut at one of them or at the lead-in's own section (``heading_path``: "Title > Section >
    方法1：…" or "Title > Section", as chunks carry it; the chunker cuts at every heading, so
    the lead-in and its items are never in one passage); None when the section does not
    announce them as a list."""
    names = [_heading_name(n) for n in heading_path.split(" > ")]
    if len(names) < 2:
        return None
    lines = text.split("\n")
    levels, in_code = [], False
    for line in lines:
        in_code ^= line.strip().startswith("```")
        heading = None if in_code else _HEADING.match(line)
        levels.append(len(heading.group(1)) if heading else 0)
    numbered = numbered_section(heading_path)
    for n, line in enumerate(lines):
        if not levels[n] or _heading_name(line) != names[-1]:
            continue
        parent = next((k for k in range(n - 1, -1, -1) if 0 < levels[k] < levels[n]), None)
        if (parent is None and numbered) or (
                parent is not None and _heading_name(lines[parent]) != names[-2]):
            continue  # (a top section's parent is the title, which may not be a heading)
        # the section that holds the list: the numbered section's parent, or the passage's own
        top = parent if numbered and parent is not None else n
        end = next((k for k in range(top + 1, len(lines))
                    if 0 < levels[k] <= levels[top]), len(lines))
        section = "\n".join(lines[top + 1:end])
        # where the passage's own text is in ``section``: an item (a numbered section), or the
        # lead-in (its own section) before the first item
        own = len("\n".join(lines[top + 1:n + 1])) + 1 if numbered else 0
        own_end = len("\n".join(lines[top + 1:next(
            (k for k in range(n + 1, end) if levels[k]), end)]))
        items = [x for x in source_sentences(section) if x.section]
        if numbered and any(own <= x.start < own_end for x in items):
            return section
        if not numbered and items and items[0].start >= own_end:
            return section
    return None


def normalise(text: str) -> str:
    """NFKC and lower case, for matching cues."""
    return unicodedata.normalize("NFKC", text).lower()


def overlap(a: AbstractSet[str], b: AbstractSet[str]) -> float:
    """Jaccard overlap of two term sets (0 when both are empty)."""
    return len(a & b) / len(a | b) if a or b else 0.0
