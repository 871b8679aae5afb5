"""Sentences of the sources as candidates for an answer, and the lists they belong to.

A source is cut into sentences (``text.source_sentences``); each keeps its terms and whether it
may be quoted. A step of a numbered list, or the sentence that introduces a list, brings the
whole list with it: half a list of steps is no answer.

Example:
    >>> pool = build_pool(sources, tokenizer)
    >>> [c.sentence.text for c in pool[0]][:2]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kotae.retrieval.protocols import Tokenizer
from kotae.suggest.text import SourceSentence, source_sentences

MAX_STEPS = 10
MIN_ROW_CHARS = 20


@dataclass(frozen=True)
class Source:
    """A text the drafter may quote: an article, an FAQ answer or a past ticket's reply.

    ``score`` is the retrieval relevance relative to the best source (0–1); ``focus`` is the
    passage retrieval matched, whose sentences are preferred.
    """

    doc_id: str
    kind: str
    title: str
    url: str
    text: str
    language: str
    score: float
    focus: str = ""
    visibility: str = "public"


@dataclass(frozen=True)
class Candidate:
    sentence: SourceSentence
    terms: frozenset[str]
    quotable: bool = True  # False: kept only so lists keep their shape; never quoted


@dataclass(frozen=True)
class Scored:
    source: int  # index into the sources
    index: int  # index of the sentence in its source
    sentence: SourceSentence
    terms: frozenset[str]
    score: float


Pool = list[list[Candidate]]


def build_pool(sources: Sequence[Source], tokenizer: Tokenizer,
               keep: Callable[[Source, str], bool] = lambda _s, _t: True) -> Pool:
    """The sentences of each source with their terms; those ``keep`` rejects are marked not
    quotable (a list whose introduction is not quotable is not quoted either)."""
    return [[Candidate(s, frozenset(tokenizer.tokens(s.text)), keep(src, s.text))
             for s in source_sentences(src.text)] for src in sources]


_INTRO = re.compile(r"(次の|以下の|下記の|the following|as follows)", re.IGNORECASE)


def _same_list(prev: SourceSentence, cur: SourceSentence) -> bool:
    """Whether ``cur`` follows ``prev`` in one numbered or bulleted list."""
    if prev.step is not None and cur.step is not None:
        return cur.continues or cur.step == prev.step + 1
    return prev.bullet and cur.bullet


def _is_intro(cands: list[Candidate], k: int) -> bool:
    """Whether sentence ``k`` introduces the list right after it ("次の手順で…：")."""
    if k + 1 >= len(cands) or cands[k].sentence.listed:
        return False
    nxt = cands[k + 1].sentence
    text = cands[k].sentence.text
    return (nxt.step is not None or nxt.bullet) and (
        text.endswith((":", "：")) or bool(_INTRO.search(text)))


def list_block(pool: Pool, hit: Scored) -> list[Scored]:
    """What ``hit`` brings into the answer: a whole numbered list (with its introduction) for a
    step or an introduction, the sentence alone otherwise; [] for a fragment that cannot
    stand alone."""
    cands = pool[hit.source]
    k = hit.index
    if hit.sentence.step is not None or _is_intro(cands, k):
        first = last = k + 1 if _is_intro(cands, k) else k
        while first > 0 and _same_list(cands[first - 1].sentence, cands[first].sentence):
            first -= 1
        while last + 1 < len(cands) and _same_list(cands[last].sentence,
                                                    cands[last + 1].sentence):
            last += 1
        if first > 0 and (_is_intro(cands, first - 1) or not cands[first - 1].quotable):
            first -= 1  # its introduction (one we may not quote drops the whole list)
        last = min(last, first + MAX_STEPS)
        if not all(cands[j].quotable for j in range(first, last + 1)):
            return []
        return [Scored(hit.source, j, cands[j].sentence, cands[j].terms, hit.score)
                for j in range(first, last + 1)]
    if not hit.sentence.complete or (hit.sentence.row and len(hit.sentence.text) < MIN_ROW_CHARS):
        return []  # a bare phrase (a link title, a list fragment) or a thin table row
    return [hit]
