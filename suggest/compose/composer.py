"""The one composer: the deflection answer, the help center's answer box and the agent draft.

For each question (a deflection has one; a ticket may ask several) the composer scores every
quotable sentence of the sources (``score``: words and meaning), and takes the best whole
thoughts (``units``: a list with its lead-in, a yes/no with its how, a sentence with what it
points at) that clear the relevance floor and come close to the best one, within a length that
is never reached by cutting a thought. A draft leads with the FAQ entry retrieval found first
for the question, from its start, when it answers nearly as well as the best thought (an FAQ
answer is written whole for one question). Articles and FAQ come before past replies: a past
reply is quoted for a question only when no article answers it as well. Nothing is said twice: a
thought that repeats one already taken (same words or same meaning, or all its words in it) is
merged into it, and its source cited too; one that says a taken thought whole, and more, takes
its place. The answers of an article's own Q&A are each a source of their own: another
question's answer is quoted only as close to the best thought as another source's would be. A
question that nothing answers stays open, for the caller to name.

Example:
    >>> composer = Composer(tokenizer, vectors)
    >>> c = composer.compose([composer.question("宛名を変えたい")], sources, Policy.ANSWER_BOX)
    >>> [p.question.text for p in c.paragraphs if not p.picked]  # open questions
    []
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from kotae.retrieval.protocols import Embedder, Tokenizer
from kotae.suggest.compose.meaning import EmbeddingCache, MemoryCache, SentenceVectors
from kotae.suggest.compose.pool import (
    Pool,
    SentenceTerms,
    Source,
    build_pool,
    faq_questions,
)
from kotae.suggest.compose.score import TOP_SOURCE, Question, Scored, score
from kotae.suggest.compose.units import Unit, table_start, unit_of
from kotae.suggest.text import overlap

SAME_WORDS = 0.6  # term overlap at which two thoughts say the same
SAME_MEANING = 0.95  # e5 cosine at which two sentences say the same
MIN_TERMS = 3  # a thought with fewer words is too short to be said whole by another
WITHIN = 3  # ... and one with more than this times its words says much else besides


class _HasModels(Protocol):
    tokenizer: Tokenizer
    embedder: Embedder

    def embed_query(self, text: str) -> np.ndarray: ...


@dataclass(frozen=True)
class Policy:
    """How much to say: a relevance ``floor`` every sentence must clear, how close to the
    question's best thought the others must come (``share`` in the best one's source,
    ``other_share`` elsewhere), at most ``units`` thoughts per question and ``max_chars`` in
    all (a first thought longer than that is taken whole up to ``hard_chars``)."""

    floor: float
    share: float
    other_share: float
    units: int
    max_chars: int
    hard_chars: int
    faq_from_start: bool = False  # an FAQ answer is quoted from its start, in its order
    follow: bool = False  # after the best thought, the thoughts that follow it, while they fit
    # retrieval's first hit, when it is an FAQ entry whose answer comes within this share of
    # the question's best relevance, is quoted from its start before any other thought (None:
    # the first hit leads only by its own score)
    faq_lead: float | None = None


# The floor: on JSQuAD valid, 95% of the sentences that hold the answer reach a relevance of
# 0.1, and 4% of the sentences of another article do (``score``).
RELEVANCE_FLOOR = 0.1
# The answer box quotes the source retrieval was confident of: its best thought always, then
# its next best while they fit in 240 characters, and another source's only when nearly as
# good (chosen on the first 1,000 JSQuAD valid questions: gold answer inside 0.919 of answered
# at a median of 141 characters with 200, 0.927 at 150 with 240, no more with 280 or 320; the
# figures on test are in docs/benchmarks.md).
#
# When retrieval's first hit is an FAQ entry, the box quotes its answer: the box names that
# entry, and its question matched the customer's (LocalgovFAQ, transfer ranking model: the
# box quoted the first hit in 79% of its answers before, 98% with the rule, relevant sources
# quoted 0.593 both; on the sample KB 8 answers changed, each to the entry retrieval found).
ANSWER_BOX = Policy(floor=0.0, share=0.0, other_share=0.9, units=4, max_chars=240,
                    hard_chars=420, faq_from_start=True, faq_lead=0.0)
# The draft leads with the FAQ entry retrieval put first when it answers the question: an FAQ
# answer is written whole for one question, and its parts scored one by one lose the how to a
# sentence that restates the problem (held-back tickets: the real reply's points covered 0.284
# → 0.326, docs/benchmarks.md).
DRAFT = Policy(floor=RELEVANCE_FLOOR, share=0.6, other_share=0.8, units=3, max_chars=900,
               hard_chars=1400, faq_lead=0.8)


@dataclass
class Picked:
    """A thought in the answer; ``also`` are other sources saying the same (cited too)."""

    unit: Unit
    score: float
    also: list[int] = field(default_factory=list)


@dataclass
class Paragraph:
    question: Question
    picked: list[Picked]

    @property
    def answered(self) -> bool:
        return bool(self.picked)


@dataclass
class Composition:
    sources: list[Source]
    pool: Pool
    paragraphs: list[Paragraph]

    @property
    def open_questions(self) -> list[Question]:
        return [p.question for p in self.paragraphs if not p.picked]


class Composer:
    """Chooses the thoughts of an answer from sources; see the module docstring.

    Example:
        >>> Composer(tokenizer).compose([Composer(tokenizer).question("請求書")], [], DRAFT)
    """

    def __init__(self, tokenizer: Tokenizer, vectors: SentenceVectors | None = None) -> None:
        self.tokenizer, self.vectors = tokenizer, vectors
        self.sentence_terms = SentenceTerms(tokenizer)

    @classmethod
    def for_searcher(cls, searcher: _HasModels, cache: EmbeddingCache | None = None) -> Composer:
        """A composer over a searcher's tokenizer and embedder, sentence vectors cached in
        ``cache`` (the KB's store; in memory when None)."""
        return cls(searcher.tokenizer, SentenceVectors(searcher.embedder, cache or MemoryCache(),
                                                       queries=searcher.embed_query))

    def question(self, text: str, context: str = "", lead: str | None = None) -> Question:
        """``text`` as a question; ``context`` (what the ticket says before its list of asks)
        is read with it for meaning; ``lead``: the document retrieval found first for it
        (``Question.lead``)."""
        return Question.of(text, self.tokenizer, self.vectors, context, lead)

    def compose(self, questions: Sequence[Question], sources: Sequence[Source], policy: Policy,
                keep: Callable[[Source, str], bool] = lambda _s, _t: True) -> Composition:
        pool = build_pool(sources, self.sentence_terms, keep, self.vectors)
        asked = faq_questions(sources, self.sentence_terms, self.vectors)
        taken: list[Picked] = []
        paragraphs = []
        for q in questions:
            picked = _choose(q, score(q, pool, sources, asked), pool, sources, policy, taken)
            taken += picked
            paragraphs.append(Paragraph(q, picked))
        return Composition(list(sources), pool, paragraphs)


def unit_chars(pool: Pool, unit: Unit) -> int:
    return sum(len(pool[unit.source][j].sentence.text) for j in unit.indices)


def _vector(pool: Pool, unit: Unit) -> np.ndarray | None:
    vectors = [pool[unit.source][j].vector for j in unit.indices]
    found = [v for v in vectors if v is not None]
    if not found:
        return None
    mean = np.mean(found, axis=0)
    return np.asarray(mean / (np.linalg.norm(mean) or 1.0))


def _terms(pool: Pool, unit: Unit) -> frozenset[str]:
    return frozenset().union(*(pool[unit.source][j].terms for j in unit.indices))


def _same(pool: Pool, a: Unit, b: Unit) -> bool:
    """Whether two thoughts say the same thing (or share a sentence), or one says nothing the
    other does not (its words all in the other's). A list right after a thought in its source
    says *how* to do what the thought says can be done (「…記載することができます。」 and then
    its steps): it is never the same, though their meanings averaged look alike (e5 cosine 0.95
    for such a sentence and its three steps)."""
    if a.source == b.source and set(a.indices) & set(b.indices):
        return True
    if a.source == b.source and "list" in (a.kind, b.kind) and (
            b.indices[0] == a.indices[-1] + 1 or a.indices[0] == b.indices[-1] + 1):
        return False
    terms_a, terms_b = _terms(pool, a), _terms(pool, b)
    if overlap(terms_a, terms_b) >= SAME_WORDS or _within(terms_a, terms_b) \
            or _within(terms_b, terms_a):
        return True
    va, vb = _vector(pool, a), _vector(pool, b)
    return va is not None and vb is not None and float(va @ vb) >= SAME_MEANING


def _within(small: frozenset[str], large: frozenset[str]) -> bool:
    """Whether a thought of ``small`` terms says nothing one of ``large`` terms does not (and
    is not a word or two of a much longer one, such as a list of steps)."""
    return len(small) >= MIN_TERMS and small < large and len(large) <= WITHIN * len(small)


def _subsumed(pool: Pool, out: list[Picked], unit: Unit) -> Picked | None:
    """A thought of this answer whose words are all in ``unit``'s, which says more: it gives
    its place to ``unit`` (「スタンダードプランは3名までです。」 to 「…3名、プロプランで10名までで
    す。」), rather than both being said."""
    terms = _terms(pool, unit)
    return next((p for p in out if _within(_terms(pool, p.unit), terms)
                 and not (p.unit.source == unit.source
                          and set(p.unit.indices) & set(unit.indices))), None)


def _item(pool: Pool, source: int, index: int) -> int | None:
    """The Q&A question (of an article's own 「よくある質問」) a sentence is under, if any."""
    return next((k for k in range(index, -1, -1) if pool[source][k].sentence.asked), None)


def _other_item(pool: Pool, best: Scored, unit: Unit) -> bool:
    """Whether ``unit`` answers another question of its article's own Q&A than ``best``."""
    return best.source == unit.source and _item(pool, best.source, best.index) != _item(
        pool, unit.source, unit.indices[0])


def _sibling_row(pool: Pool, sources: Sequence[Source], out: list[Picked], s: Scored,
                 unit: Unit, share: float, scored: dict[tuple[int, int], Scored]) -> bool:
    """Whether ``unit`` is a row of a table another row of which was taken, and that row is
    the case asked about: ``unit`` does not come within ``share`` of it, and it does not mean
    what was asked any less (the rows of a table are cases side by side, 送信済み and 送信失敗,
    and the one the question is about answers it, as one FAQ entry of several does; rows that
    words tell apart and meaning does not are all kept, the table whole)."""
    if unit.kind != "row":
        return False
    text = sources[unit.source].text
    start = table_start(text, pool[unit.source][unit.indices[0]].sentence)
    taken = next((p for p in out if p.unit.kind == "row" and p.unit.source == unit.source
                  and table_start(text, pool[unit.source][p.unit.indices[0]].sentence) == start),
                 None)
    if taken is None or s.score >= share * taken.score:
        return False
    first = scored.get((taken.unit.source, taken.unit.indices[0]))
    return first is None or first.meaning is None or s.meaning is None \
        or first.meaning >= s.meaning


def _articles_answer(ranked: list[Scored], sources: Sequence[Source]) -> bool:
    """Whether an article or FAQ entry answers at least as well as any past reply."""
    best = {kind: max((s.relevance for s in ranked if (sources[s.source].kind == "ticket")
                       == kind), default=0.0) for kind in (True, False)}
    return best[False] > 0 and best[False] >= best[True]


def _from_start(pool: Pool, source: int, policy: Policy) -> list[Picked]:
    """An FAQ answer's thoughts from its start while they fit (the first one always)."""
    out: list[Picked] = []
    used, k = 0, 0
    while k < len(pool[source]) and len(out) < policy.units + 1:
        unit = unit_of(pool, source, k)
        if unit is None:
            k += 1
            continue
        chars = unit_chars(pool, unit)
        if out and used + chars > policy.max_chars:
            break
        out.append(Picked(unit, 0.0))
        used += chars
        k = unit.indices[-1] + 1
    return out


def _lead_faq(question: Question, ranked: list[Scored], sources: Sequence[Source],
              share: float | None, taken: list[Picked]) -> Scored | None:
    """The best thought of retrieval's first hit (for this question when it was searched on
    its own, else for the whole text) when that is an FAQ entry not quoted yet whose answer
    comes within ``share`` of the question's best relevance, and, for a question searched on
    its own (a few words of the ticket), no other FAQ entry answers it better (None: no
    lead)."""
    if share is None:
        return None

    def first(src: Source) -> bool:
        return src.score >= TOP_SOURCE if question.lead is None else src.doc_id == question.lead

    top = max(s.relevance for s in ranked) if ranked else 0.0
    quoted = {p.unit.source for p in taken}
    lead = next((s for s in ranked if sources[s.source].kind == "faq" and first(sources[s.source])
                 and s.source not in quoted and s.relevance >= share * top), None)
    if lead is not None and question.lead is not None and any(
            sources[s.source].kind == "faq" and s.source not in quoted | {lead.source}
            and s.relevance > lead.relevance for s in ranked):
        return None  # a question's own search is short of words: another entry answers better
    return lead


def _following(ranked: list[Scored], pool: Pool, policy: Policy) -> list[Picked]:
    """The best whole thought, then those right after it in its source while they fit."""
    for s in ranked:
        unit = unit_of(pool, s.source, s.index)
        if unit is None or unit_chars(pool, unit) > policy.hard_chars:
            continue
        out = [Picked(unit, s.score)]
        used, k = unit_chars(pool, unit), unit.indices[-1] + 1
        while k < len(pool[s.source]) and len(out) < policy.units:
            nxt = unit_of(pool, s.source, k)
            if nxt is None:
                k += 1
                continue
            if used + unit_chars(pool, nxt) > policy.max_chars:
                break
            out.append(Picked(nxt, s.score))
            used, k = used + unit_chars(pool, nxt), nxt.indices[-1] + 1
        return out
    return []


def _choose(question: Question, scored: list[Scored], pool: Pool, sources: Sequence[Source],
            policy: Policy, taken: list[Picked]) -> list[Picked]:
    ranked = sorted((s for s in scored if s.relevance >= policy.floor), key=lambda s: -s.score)
    by_index = {(s.source, s.index): s for s in scored}
    lead = _lead_faq(question, ranked, sources, policy.faq_lead, taken)
    if ranked and policy.faq_from_start and (lead is not None
                                             or sources[ranked[0].source].kind == "faq"):
        return _from_start(pool, (lead or ranked[0]).source, policy)  # that FAQ answer alone
    if ranked and policy.follow:
        return _following(ranked, pool, policy)
    articles_answer = _articles_answer(ranked, sources)
    out: list[Picked] = []
    best: Scored | None = None
    if lead is not None:  # its answer from the start, less what an earlier ask's answer said
        for p in _from_start(pool, lead.source, policy)[:policy.units]:
            said = next((t for t in taken if _same(pool, t.unit, p.unit)), None)
            if said is None:
                out.append(p)
            elif p.unit.source != said.unit.source and p.unit.source not in said.also:
                said.also.append(p.unit.source)  # said already: cite this source too
        best = lead
    used = sum(unit_chars(pool, p.unit) for p in taken + out)
    for s in ranked:
        if len(out) >= policy.units:
            break
        is_ticket = sources[s.source].kind == "ticket"
        if best is not None:
            share = policy.share if s.source == best.source else policy.other_share
            if s.score < min(policy.share, policy.other_share) * best.score:
                break
            if s.score < share * best.score:
                continue
        unit = unit_of(pool, s.source, s.index)
        if unit is None:
            continue
        if best is not None and s.score < policy.other_share * best.score \
                and _other_item(pool, best, unit):
            continue  # another question's answer in the article's own Q&A: as another source
        if _sibling_row(pool, sources, out, s, unit, policy.other_share, by_index):
            continue  # another case of the table the taken row is in: as another source
        subsumed = None if is_ticket and articles_answer else _subsumed(pool, out, unit)
        if subsumed is not None:
            more = unit_chars(pool, unit) - unit_chars(pool, subsumed.unit)
            if used + more <= policy.max_chars:
                if subsumed.unit.source != unit.source:
                    subsumed.also = [a for a in subsumed.also if a != unit.source] + \
                        [subsumed.unit.source]
                subsumed.unit, used = unit, used + more
            continue
        same = next((p for p in taken + out if _same(pool, p.unit, unit)), None)
        if same is not None:
            if unit.source != same.unit.source and unit.source not in same.also:
                same.also.append(unit.source)  # said already: cite this source too
            continue
        if is_ticket and articles_answer:
            continue  # an article answers: a past reply is not quoted for it
        chars = unit_chars(pool, unit)
        first = not taken and not out
        if used + chars > (policy.hard_chars if first else policy.max_chars):
            continue
        out.append(Picked(unit, s.score))
        used += chars
        best = best or s
    return out
