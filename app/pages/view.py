"""What the help-center templates show: results and answers cut into marked and plain pieces.

Highlights follow the morphological matches (Sudachi tokens whose normalised form is one of the
query's terms), so 忘れた in a query marks 忘れ in 「パスワードを忘れた場合」, and パス does not
mark パスポート. Templates print the pieces with auto-escaping; no HTML is built here.

Example:
    >>> [(p.text, p.mark) for p in pieces("abc def", [(4, 7)])]
    [('abc ', False), ('def', True)]
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from kotae.kb import Hit, customer_may_read
from kotae.retrieval.protocols import TokenSpan
from kotae.retrieval.snippets import whole_words
from kotae.suggest.deflection.deflect import Deflection
from kotae.suggest.text import is_table_rule, line_cells

Analyse = Callable[[str], Sequence[TokenSpan]]


@dataclass(frozen=True, slots=True)
class Piece:
    text: str
    mark: bool = False


@dataclass
class ResultView:
    doc_id: str
    href: str
    title: list[Piece]
    heading: str
    snippet: list[Piece]
    kind: str
    language: str


@dataclass(frozen=True, slots=True)
class Block:
    """A part of an answer: text (``pieces``, its lines kept) or, when ``header`` is set, a
    table (``header`` and ``rows`` of cells, each cell its pieces)."""

    pieces: list[Piece] = field(default_factory=list)
    header: list[list[Piece]] = field(default_factory=list)
    rows: list[list[list[Piece]]] = field(default_factory=list)


@dataclass
class AnswerView:
    body: list[Block]
    sources: list[tuple[str, str]] = field(default_factory=list)  # (title, href)


def pieces(text: str, spans: Sequence[tuple[int, int]]) -> list[Piece]:
    """``text`` cut at the (start, end) ``spans`` (merged when they overlap)."""
    merged: list[list[int]] = []
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[Piece] = []
    pos = 0
    for start, end in merged:
        if start > pos:
            out.append(Piece(text[pos:start]))
        out.append(Piece(text[start:end], True))
        pos = end
    if pos < len(text):
        out.append(Piece(text[pos:]))
    return out


def marked(text: str, analyse: Analyse, terms: Collection[str]) -> list[Piece]:
    """``text`` with its tokens whose term is in ``terms`` marked (whole words only:
    ``retrieval.snippets.whole_words``)."""
    return pieces(text, whole_words(text, [(t.begin, t.end) for t in analyse(text)
                                           if t.term in terms]))


def answer_blocks(text: str, analyse: Analyse, terms: Collection[str]) -> list[Block]:
    """An answer's text as blocks: its Markdown tables (a header line, a rule line, rows; as
    the composer writes them) as tables, the rest as marked text."""
    blocks: list[Block] = []
    prose: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        end = i
        while end < len(lines) and lines[end].lstrip().startswith("|"):
            end += 1
        if end - i >= 2 and is_table_rule(lines[i + 1]):
            if prose:
                blocks.append(Block(marked("\n".join(prose), analyse, terms)))
                prose = []
            blocks.append(Block(
                header=[marked(c, analyse, terms) for c in line_cells(lines[i])],
                rows=[[marked(c, analyse, terms) for c in line_cells(line)]
                      for line in lines[i + 2:end]]))
            i = end
            continue
        prose.append(lines[i])
        i += 1
    if prose:
        blocks.append(Block(marked("\n".join(prose).strip("\n"), analyse, terms)))
    return blocks


def article_href(doc_id: str, event_id: str = "", q: str = "", lang: str = "") -> str:
    """The help page of an article; ``e`` ties the visit to the search it came from."""
    params = {k: v for k, v in (("e", event_id), ("q", q), ("lang", lang)) if v}
    return f"/help/articles/{doc_id}" + (f"?{urlencode(params)}" if params else "")


def result_views(hits: Sequence[Hit], analyse: Analyse, terms: Collection[str],
                 event_id: str, q: str, lang: str) -> list[ResultView]:
    return [ResultView(
        doc_id=h.doc_id, href=article_href(h.doc_id, event_id, q, lang),
        title=marked(h.title, analyse, terms),
        heading=" › ".join(p for p in h.heading.split(" > ") if p and p != h.title),
        snippet=pieces(h.snippet, h.highlights), kind=h.kind.value, language=h.language,
    ) for h in hits if customer_may_read(h)]


def answer_view(deflection: Deflection, analyse: Analyse, terms: Collection[str],
                event_id: str, q: str, lang: str) -> AnswerView | None:
    if not deflection.answer_body:
        return None
    return AnswerView(answer_blocks(deflection.answer_body, analyse, terms),
                      [(s.title, article_href(s.doc_id, event_id, q, lang))
                       for s in deflection.sources])


@lru_cache(maxsize=1)
def templates() -> Any:
    """The Jinja2 templates of the help center (loaded on first use)."""
    from fastapi.templating import Jinja2Templates

    return Jinja2Templates(directory=str(resources.files("kotae.app.pages") / "templates"))


@lru_cache(maxsize=1)
def markdown() -> Any:
    """CommonMark with tables; raw HTML in articles is shown as text, never rendered."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")


def render_article(body: str, title: str) -> str:
    """An article's Markdown as HTML, without a first heading that repeats the title."""
    lines = body.lstrip().split("\n", 1)
    if lines and lines[0].lstrip("# ").strip() == title.strip() and lines[0].startswith("#"):
        body = lines[1] if len(lines) > 1 else ""
    return str(markdown().render(body))
