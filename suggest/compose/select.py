"""Picking the sentences of a grounded answer: score, select without redundancy, order.

Every sentence comes verbatim (Markdown removed) from one source, so the composed answer says
nothing that a cited source does not. Sentences are scored by how much of the ticket's
vocabulary they cover, weighted by how rare each word is among the candidates, and by how well
their source matched; the best-fitting source leads and lists come whole (``pool``).

Example:
    >>> ranks = rank_sources(terms, sources, tokenizer)
    >>> picked = select_sentences(score_sentences(terms, pool, sources), pool, ranks)
    >>> [s.sentence.text for group in arrange(picked) for s in group]
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from kotae.retrieval.protocols import Tokenizer
from kotae.suggest.compose.pool import Pool, Scored, Source, build_pool, list_block
from kotae.suggest.text import overlap

__all__ = ["Pool", "Scored", "Source", "arrange", "build_pool", "rank_sources",
           "score_sentences", "select_sentences"]

FOCUS_BONUS = 0.25  # the sentence is in the passage retrieval matched
MIN_RELEVANCE = 0.12
MAX_LINES = 12  # sentences in an answer, all told
PRIMARY_SHARE = 0.35  # sentences of the best source scoring this share of its best one
EXTRA_SHARE = 0.8  # sentences of other sources must come this close to the best one


def score_sentences(query_terms: set[str], pool: Pool, sources: Sequence[Source]) -> list[Scored]:
    """Every candidate with its score: rarity-weighted coverage of the query, source match."""
    n = sum(len(cands) for cands in pool) or 1
    df = Counter(t for cands in pool for c in cands for t in c.terms)

    def weight(term: str) -> float:
        return math.log(1.0 + n / (df.get(term, 0) + 0.5))

    query_weight = sum(weight(t) for t in query_terms) or 1.0
    out: list[Scored] = []
    for i, cands in enumerate(pool):
        src = sources[i]
        for j, c in enumerate(cands):
            if not c.quotable:
                continue
            shared = sum(weight(t) for t in query_terms & c.terms)
            own = sum(weight(t) for t in c.terms) or 1.0
            relevance = 0.5 * shared / query_weight + 0.5 * shared / own
            bonus = FOCUS_BONUS if src.focus and c.sentence.text in src.focus else 0.0
            score = relevance * (0.5 + 0.5 * src.score) + (bonus * relevance)
            out.append(Scored(i, j, c.sentence, c.terms, score))
    return out


def rank_sources(query_terms: set[str], sources: Sequence[Source],
                 tokenizer: Tokenizer) -> list[float]:
    """How well each source as a whole fits: retrieval score and the share of its title's
    words that the ticket uses (an FAQ question asked almost verbatim wins)."""
    out = []
    for src in sources:
        title = set(tokenizer.tokens(src.title))
        fit = len(query_terms & title) / len(title) if title else 0.0
        out.append(0.5 * src.score + 0.5 * fit)
    return out


def _take(cands: Sequence[Scored], pool: Pool, chosen: dict[tuple[int, int], Scored],
          cutoff: float, blocks: int, redundancy: float) -> None:
    for cand in sorted(cands, key=lambda s: -s.score):
        if blocks <= 0 or len(chosen) >= MAX_LINES or cand.score < cutoff:
            return
        if (cand.source, cand.index) in chosen or any(
                overlap(cand.terms, c.terms) >= redundancy for c in chosen.values()):
            continue
        block = list_block(pool, cand)
        for s in block[:MAX_LINES - len(chosen)]:
            chosen.setdefault((s.source, s.index), s)
        blocks -= 1 if block else 0


def select_sentences(scored: Sequence[Scored], pool: Pool, ranks: Sequence[float],
                     limit: int = 5, extra: int = 2, redundancy: float = 0.6) -> list[Scored]:
    """The answer: up to ``limit`` sentences (a numbered list counts as one, taken whole) from
    the best-fitting source that has relevant sentences, then up to ``extra`` from the others
    that are nearly as relevant; near-duplicates (term overlap ≥ ``redundancy``) left out."""
    by_source: dict[int, list[Scored]] = {}
    for s in scored:
        if s.score >= MIN_RELEVANCE:
            by_source.setdefault(s.source, []).append(s)
    if not by_source:
        return []
    primary = max(by_source, key=lambda i: (ranks[i], max(s.score for s in by_source[i])))
    best = max(s.score for s in by_source[primary])
    chosen: dict[tuple[int, int], Scored] = {}
    cutoff = max(MIN_RELEVANCE, PRIMARY_SHARE * best)
    _take(by_source[primary], pool, chosen, cutoff, limit, redundancy)
    others = [s for i, group in by_source.items() if i != primary for s in group]
    _take(others, pool, chosen, max(MIN_RELEVANCE, EXTRA_SHARE * best), extra, redundancy)
    return list(chosen.values())


def arrange(selected: Sequence[Scored]) -> list[list[Scored]]:
    """Sentences grouped by source in the order the sources were chosen (best first), each
    group in its source's own order."""
    groups: dict[int, list[Scored]] = {}
    for s in selected:
        groups.setdefault(s.source, []).append(s)
    return [sorted(g, key=lambda s: s.index) for g in groups.values()]
