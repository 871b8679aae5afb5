"""Chunking never loses text (hypothesis), on generated Japanese, English and mixed documents.

The invariant ``chunk_text`` promises, checked here exactly:

- Each Markdown section (the text under one heading, or before any heading) is chunked on its
  own, and every chunk carries that section's heading path (``title > h2 > h3``, the title
  not repeated when the top heading is the title). Heading lines never appear in chunk text.
- Within a section, the chunks cover the section's (normalised) body in order: with the
  whitespace taken out (sentence ends and line breaks may become a space or nothing), each
  chunk is a slice of the body; the first starts at the beginning, the last ends at the end,
  and each next chunk starts where the previous one ended, or earlier by at most ``overlap``
  characters (the previous chunk's trailing sentences, repeated). With ``overlap=0`` the
  chunks are the body, exactly. Each chunk brings new text; none is longer than ``max_chars``.
- Sections without body text make no chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from kotae.ingest import chunk_text
from kotae.kb.normalise import normalise_text

WORDS = [
    # Japanese, with the NFKC-sensitive forms the loaders meet: half-width kana, full-width
    # letters and digits, circled numbers, unit squares, ligatures, the ideographic space.
    "請求書", "パスワード", "ﾊﾟｽﾜｰﾄﾞ", "ログイン", "設定画面", "を開きます", "してください",
    "できません", "ＡＢＣ", "１２３", "①", "㌔", "㍻", "ﬁle", "　", "ー", "「保存」", "（注）",
    # English and mixed.
    "Open", "the", "invoice", "list", "v2.5", "Wi-Fi", "e.g.", "OK", "1.", "API", "C#",
    # Emoji (one with a joiner, one with a skin tone) and symbols.
    "😀", "👩\u200d💻", "👍🏽", "★", "→", "※", "…",
]
ENDS = ["。", "！", "？", "!", "?", ". ", "", "", " "]
SPACES = ["", "", " ", "  ", "\t", "\u3000"]


@st.composite
def sentences(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 9)) == 0:  # a very long sentence without any punctuation
        parts = draw(st.lists(st.sampled_from(["あ", "漢字", "カナ", "abc", "😀"]),
                              min_size=1, max_size=8))
        return "".join(parts) * draw(st.integers(30, 100))
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12))
    return draw(st.sampled_from(SPACES)).join(words) + draw(st.sampled_from(ENDS))


@st.composite
def body_lines(draw: st.DrawFn) -> list[str]:
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.integers(0, 5)) == 0:
            lines.append(draw(st.sampled_from(["", " ", "\u3000", "\r"])))  # blank lines
        else:
            line = "".join(draw(st.lists(sentences(), min_size=1, max_size=5)))
            lines.append(draw(st.sampled_from(["", "- ", "・", "1. "])) + line)
    return lines


@dataclass
class Section:
    level: int
    name: str
    lines: list[str]


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[Section]]:
    """A Markdown document and its sections (level 0: the text before any heading)."""
    sections = [Section(0, "", draw(body_lines()))]
    for _ in range(draw(st.integers(0, 5))):
        name = draw(st.sampled_from(["手順", "注意", "Ｑ＆Ａ", "Steps", "ﾍﾙﾌﾟ", "設定 > 詳細"]))
        sections.append(Section(draw(st.integers(1, 4)), name, draw(body_lines())))
    text = "\n".join(
        ("#" * s.level + draw(st.sampled_from([" ", "  ", "\u3000"])) + s.name + "\n"
         if s.level else "") + "\n".join(s.lines)
        for s in sections)
    return text, sections


def squash(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace())


def expected_sections(sections: list[Section], title: str) -> list[tuple[str, str]]:
    """(heading path, body without whitespace) of each section that has body text."""
    out, path = [], []
    for s in sections:
        if s.level:
            name = normalise_text(s.name)
            path = [(lv, n) for lv, n in path if lv < s.level] + [(s.level, name)]
        names = [n for _, n in path]
        if names and names[0] == title:
            names = names[1:]
        body = squash(normalise_text("\n".join(s.lines)))
        if body:
            out.append((" > ".join([title, *names] if title else names), body))
    return out


def covers(chunks: list[str], body: str, overlap: int) -> bool:
    """Whether the chunks, in order, cover ``body`` as the module docstring says.

    The set of positions where the previous chunk may have ended (more than one when the text
    repeats itself), so no guess about where the overlap starts is needed."""
    ends = {0}
    for i, chunk in enumerate(chunks):
        nxt = set()
        for end in ends:
            back = range(min(overlap, end, len(chunk) - 1) + 1) if i else range(1)
            nxt.update(end - b + len(chunk) for b in back
                       if body.startswith(chunk, end - b))
        if not nxt:
            return False
        ends = nxt
    return len(body) in ends


SIZES = st.sampled_from([(50, 0), (50, 20), (80, 0), (120, 30), (400, 80), (60, 59)])


@settings(max_examples=200, deadline=None)
@given(doc=documents(), title=st.sampled_from(["", "手順", "設定", "Steps"]), size=SIZES)
def test_chunks_cover_all_body_text_in_order(doc, title: str, size: tuple[int, int]) -> None:
    raw, sections = doc
    max_chars, overlap = size
    text = normalise_text(raw)
    pieces = chunk_text(text, title=title, max_chars=max_chars, overlap=overlap)
    assert all(0 < len(p.text) <= max_chars for p in pieces)

    expected = expected_sections(sections, title)
    # Walk the sections in order, each taking the next run of chunks with its heading.
    rest = [(p.heading, squash(p.text)) for p in pieces]
    for heading, body in expected:
        mine = []
        while rest and rest[0][0] == heading and not covers(mine, body, overlap):
            mine.append(rest.pop(0)[1])
        assert covers(mine, body, overlap), (heading, body, mine)
        if overlap == 0:
            assert "".join(mine) == body
    assert rest == []
