"""Near-duplicate articles: public entries in one language whose content overlaps strongly.

Two signals must agree: the meaning (cosine of the documents' mean chunk vectors, from the
index's own embeddings) and the words (Jaccard overlap of their content words). Either alone
finds pairs that are merely about the same feature; together they find entries that say the
same thing. Translations (a Japanese and an English page) are not duplicates.

Example:
    >>> pairs = find_duplicates(articles, vectors, lambda d: set(tokens(article_text(d))))
    >>> pairs[0].reason
    '内容がほぼ同じです（意味の類似度 0.97、内容語の重なり 71%）。統合を検討してください。'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from kotae.kb import Document, Kind, customer_may_read
from kotae.suggest.gaps.report import DuplicatePair
from kotae.suggest.text import overlap

DEFAULT_SIMILARITY = 0.93
DEFAULT_OVERLAP = 0.5
MAX_PAIRS = 50


def article_text(doc: Document) -> str:
    """What an article says: an FAQ's question and answer, a manual's title and body."""
    if doc.kind is Kind.FAQ:
        return f"{doc.question or doc.title}\n{doc.answer or doc.body}"
    return f"{doc.title}\n{doc.body}"


def is_public_article(doc: Document) -> bool:
    return customer_may_read(doc)


def duplicate_reason(similarity: float, word_overlap: float) -> str:
    """Why two articles are reported, in Japanese.

    >>> duplicate_reason(0.971, 0.712)
    '内容がほぼ同じです（意味の類似度 0.97、内容語の重なり 71%）。統合を検討してください。'
    """
    return (f"内容がほぼ同じです（意味の類似度 {similarity:.2f}、内容語の重なり "
            f"{word_overlap:.0%}）。統合を検討してください。")


def find_duplicates(articles: Sequence[Document], vectors: dict[str, np.ndarray],
                    terms_of: Callable[[Document], set[str]],
                    min_similarity: float = DEFAULT_SIMILARITY,
                    min_overlap: float = DEFAULT_OVERLAP,
                    limit: int = MAX_PAIRS) -> list[DuplicatePair]:
    """Pairs of public ``articles`` (same language) above both thresholds, most similar first.

    ``terms_of`` gives a document's content words (e.g. the tokens of ``article_text``).
    """
    if not 0.0 < min_similarity <= 1.0 or not 0.0 <= min_overlap <= 1.0:
        raise ValueError(f"duplicate thresholds must be in (0, 1], got similarity "
                         f"{min_similarity}, overlap {min_overlap}")
    docs = [d for d in articles if is_public_article(d) and d.id in vectors]
    if len(docs) < 2:
        return []
    matrix = np.stack([vectors[d.id] for d in docs])
    sims = matrix @ matrix.T
    rows, cols = np.nonzero(np.triu(sims >= min_similarity, k=1))
    out = []
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        a, b = docs[i], docs[j]
        if a.language != b.language:
            continue
        words = overlap(terms_of(a), terms_of(b))
        if words < min_overlap:
            continue
        sim = float(sims[i, j])
        out.append(DuplicatePair(a.id, a.title, b.id, b.title, round(sim, 4), round(words, 4),
                                 duplicate_reason(sim, words)))
    out.sort(key=lambda p: (-p.similarity, p.doc_a, p.doc_b))
    return out[:limit]
