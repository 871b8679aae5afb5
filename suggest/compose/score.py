"""How well a sentence answers a question: its words and its meaning.

Words: the question's vocabulary the sentence covers, and how much of the sentence is about
it, each word weighted by how rare it is among the candidates (a word every sentence has says
nothing). Meaning: the e5 cosine of the question and the sentence, as a lift over what an
unrelated sentence scores (``COS_FLOOR``), so a sentence that answers in other words still
counts. An answer counts at most as the mean of its own relevance and its question's, in an
FAQ entry (its question: ``pool.faq_questions``) as in an article's own Q&A (「よくある質問」, up
to the next heading): 「品目ごとの消費税額の表示には対応しておりません」, the answer to 「品目ご
とに消費税額を表示できますか?」, does not answer 「インボイス制度に対応していますか」 for sharing
its words; a question that matches better than its answer does not lift the answer. Then the
source: how well retrieval matched it, and a bonus for the passage it matched.

Example:
    >>> q = Question.of("宛名を変えたい", tokenizer, vectors)
    >>> best = max(score(q, pool, sources), key=lambda s: s.score)
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kotae.retrieval.protocols import Tokenizer
from kotae.suggest.compose.meaning import SentenceVectors
from kotae.suggest.compose.pool import Candidate, Pool, Source

# Measured on JSQuAD valid (250 questions, the sentences of their paragraph and of another
# article's): a sentence of another article has a cosine under 0.80 nine times in ten, and the
# sentence holding the answer one over 0.95 one time in ten. Words and meaning together pick
# the answer's sentence first 0.901 of the time (words alone 0.893, meaning alone 0.872).
WORDS = 0.5  # weight of the word score; the meaning score has 1 - WORDS
COS_FLOOR = 0.80  # e5 cosine of a question and a sentence on another subject
COS_CEIL = 0.95  # a cosine at which a sentence says what was asked
FOCUS_BONUS = 0.25  # the sentence is in the passage retrieval matched
TOP_SOURCE = 0.99  # a source's relative retrieval score when it is the best hit


@dataclass(frozen=True)
class Question:
    """One thing the customer asks: its text, terms and (when there is a model) its vector."""

    text: str
    terms: frozenset[str]
    vector: np.ndarray | None = None
    # the doc id retrieval found first for this question searched on its own ("": its search
    # was unsure, so nothing leads; None: not searched on its own, the ticket's first hit leads)
    lead: str | None = None

    @classmethod
    def of(cls, text: str, tokenizer: Tokenizer, vectors: SentenceVectors | None = None,
           context: str = "", lead: str | None = None) -> Question:
        # The words are the ask's own (the context's would favour sentences about the setting
        # over the answer); its meaning is read in its context.
        return cls(text, frozenset(tokenizer.tokens(text)),
                   vectors.query(context + text) if vectors is not None else None, lead)


@dataclass(frozen=True)
class Scored:
    """``relevance``: how well the sentence answers (words and meaning, 0–1); ``score``: that
    weighted by how well its source matched (what the composer ranks by)."""

    source: int
    index: int
    score: float
    words: float
    meaning: float | None
    relevance: float


def meaning_score(cosine: float) -> float:
    """A cosine as 0 (unrelated) … 1 (says what was asked)."""
    return min(1.0, max(0.0, (cosine - COS_FLOOR) / (COS_CEIL - COS_FLOOR)))


def score(question: Question, pool: Pool, sources: Sequence[Source],
          asked: Sequence[Candidate | None] = ()) -> list[Scored]:
    """Every quotable candidate with its score for ``question``; ``asked``: each source's FAQ
    question (``pool.faq_questions``), whose relevance an FAQ answer's sentences share."""
    n = sum(len(cands) for cands in pool) or 1
    df = Counter(t for cands in pool for c in cands for t in c.terms)

    def weight(term: str) -> float:
        return math.log(1.0 + n / (df.get(term, 0) + 0.5))

    query_weight = sum(weight(t) for t in question.terms) or 1.0
    # Meaning counts only when every candidate has it (else all are scored by words alike).
    with_meaning = question.vector is not None and all(
        c.vector is not None for cands in [*pool, [a for a in asked if a is not None]]
        for c in cands)

    def relevance_of(c: Candidate) -> tuple[float, float, float | None]:
        shared = sum(weight(t) for t in question.terms & c.terms)
        own = sum(weight(t) for t in c.terms) or 1.0
        words = 0.5 * shared / query_weight + 0.5 * shared / own
        if with_meaning and question.vector is not None and c.vector is not None:
            meaning = meaning_score(float(np.dot(question.vector, c.vector)))
            return WORDS * words + (1 - WORDS) * meaning, words, meaning
        return words, words, None

    out: list[Scored] = []
    for i, cands in enumerate(pool):
        src = sources[i]
        entry = asked[i] if i < len(asked) else None
        # how well the question above answers: the FAQ entry's own, or an article's Q&A's
        question_relevance = relevance_of(entry)[0] if entry is not None else None
        current = question_relevance
        end = 0
        for j, c in enumerate(cands):
            if "\n#" in src.text[end:c.sentence.start]:
                current = question_relevance  # a heading: the Q&A is over
            end = max(end, c.sentence.end)
            if not c.quotable and not c.sentence.asked:
                continue
            relevance, words, meaning = relevance_of(c)
            if c.sentence.asked:
                current = relevance
                continue
            if current is not None:
                # An answer counts no more than it does with its question's relevance averaged
                # in: the question of another subject lowers it, and one closer than the answer
                # does not lift it (retrieval already found the entry by its question).
                relevance = min(relevance, (relevance + current) / 2)
            bonus = FOCUS_BONUS if src.focus and c.sentence.text in src.focus else 0.0
            out.append(Scored(i, j, relevance * (0.5 + 0.5 * src.score + bonus), words,
                              meaning, relevance))
    return _faq_leads(out, sources)


def _faq_leads(scored: list[Scored], sources: Sequence[Source]) -> list[Scored]:
    """An FAQ entry retrieval matched best leads with its answer: its first sentence scores as
    well as its best one."""
    best: dict[int, Scored] = {}
    for s in scored:
        if s.source not in best or s.score > best[s.source].score:
            best[s.source] = s

    def leads(s: Scored) -> bool:
        src = sources[s.source]
        return s.index == 0 and src.kind == "faq" and src.score >= TOP_SOURCE

    return [Scored(s.source, s.index, best[s.source].score, s.words, s.meaning,
                   best[s.source].relevance) if leads(s) else s for s in scored]
