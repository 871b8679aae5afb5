"""Sentences of the sources as candidates for an answer, with their terms and meaning.

A source is cut into sentences (``text.source_sentences``); each keeps its terms, its e5 vector
(``meaning``; None when not available) and whether it may be quoted. What a chosen sentence
brings with it (its list, its lead-in, its context) is ``units``' business.

Example:
    >>> pool = build_pool(sources, tokenizer)
    >>> [c.sentence.text for c in pool[0]][:2]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np

from kotae.suggest.compose.meaning import SentenceVectors
from kotae.suggest.text import SourceSentence, source_sentences


@dataclass(frozen=True)
class Source:
    """A text the drafter may quote: an article, an FAQ answer or a past ticket's reply.

    ``score`` is the retrieval relevance relative to the best source (0–1); ``focus`` is the
    passage retrieval matched, whose sentences are preferred; ``asked`` is, for a past
    ticket's reply, what that customer wrote.
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
    asked: str = ""


@dataclass(frozen=True)
class Candidate:
    sentence: SourceSentence
    terms: frozenset[str]
    quotable: bool = True  # False: kept only so lists keep their shape; never quoted
    vector: np.ndarray | None = None


Pool = list[list[Candidate]]

SENTENCE_TERMS = 20_000  # sentences whose terms a composer keeps (a few MB)
SPLIT_CACHE = 2_048  # source texts whose sentences are kept (the same pages answer many asks)


@lru_cache(maxsize=SPLIT_CACHE)
def _sentences(text: str) -> tuple[SourceSentence, ...]:
    return tuple(source_sentences(text))


class Tokens(Protocol):
    """What finds a text's terms: a tokenizer, or ``SentenceTerms`` over one."""

    def tokens(self, text: str) -> Sequence[str]: ...


class SentenceTerms:
    """A tokenizer's terms of sentences, the last ``size`` kept (thread-safe): the same pages
    answer many questions, and analysing their every sentence again for each one was a third
    of a suggestion's time.

    Example:
        >>> SentenceTerms(tokenizer).tokens("請求書を再発行したい")
    """

    def __init__(self, tokenizer: Tokens, size: int = SENTENCE_TERMS) -> None:
        self.tokens = lru_cache(maxsize=size)(lambda text: tuple(tokenizer.tokens(text)))


def faq_questions(sources: Sequence[Source], tokenizer: Tokens,
                  vectors: SentenceVectors | None = None) -> list[Candidate | None]:
    """Each FAQ entry's question as a candidate that is never quoted (None for other sources):
    an FAQ answer answers what its entry asks, and ``score`` reads it as such."""
    asked = [src.title if src.kind == "faq" and src.title.strip() else "" for src in sources]
    wanted = [t for t in asked if t]
    found = iter(vectors.of(wanted) if vectors is not None and wanted else [None] * len(wanted))
    return [Candidate(SourceSentence(t, 0, 0, asked=True), frozenset(tokenizer.tokens(t)),
                      False, next(found)) if t else None for t in asked]


def build_pool(sources: Sequence[Source], tokenizer: Tokens,
               keep: Callable[[Source, str], bool] = lambda _s, _t: True,
               vectors: SentenceVectors | None = None) -> Pool:
    """The sentences of each source with their terms and vectors; those ``keep`` rejects are
    marked not quotable (a list whose introduction is not quotable is not quoted either)."""
    split = [_sentences(src.text) for src in sources]
    flat = [s.text for sentences in split for s in sentences]
    found = vectors.of(flat) if vectors is not None and flat else [None] * len(flat)
    out: Pool = []
    n = 0
    for src, sentences in zip(sources, split, strict=True):
        out.append([Candidate(s, frozenset(tokenizer.tokens(s.text)), keep(src, s.text),
                              found[n + i]) for i, s in enumerate(sentences)])
        n += len(sentences)
    return out
