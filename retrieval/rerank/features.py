"""The second stage's features of (query, candidate document): what the first stage throws away.

Per candidate, over the first stage's fused top documents: its fused, BM25 and dense scores
and their gaps to the best candidate (so a model fitted on one corpus, whose cosines sit around
0.85, transfers to another around 0.80); which field matched (the query's cosine to the title
alone, and BM25 over titles only and over bodies only); how much of the query's content the
title and the document cover (content words weighted by rarity, adjacent pairs, title
characters). Everything is cheap per query: the query vector is the dense arm's, the document
side comes from the snapshot (``docs.DocTable``).

Measured on LocalgovFAQ, JSQuAD and StackFAQ (docs/benchmarks.md): the title cosine, the field
BM25, the best sentence's cosine and the coverage add most; the documents' lengths help
LocalgovFAQ but hurt the others (left out of the shipped model, available to a KB's own refit).

Example:
    >>> query = QueryInfo.of("請求書の宛名を変えたい", vector, tokenizer)
    >>> X = candidate_features(query, candidates, table)   # (len(candidates), len(FEATURES))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kotae.retrieval.protocols import Tokenizer
from kotae.retrieval.rerank.docs import DocTable, char_bigrams

# name → +1 when a higher value means a better answer, -1 when worse (the learner's monotone
# constraints: more evidence never lowers a score, which keeps a model fitted on some corpora
# from learning their quirks).
FEATURES: dict[str, int] = {
    "fused": 1, "fused_gap": -1, "fused_rank": -1,
    "bm25": 1, "bm25_rel": 1, "bm25_rank": -1, "bm25_missing": -1,
    "dense": 1, "dense_gap": -1, "dense_rank": -1,
    "title_cos": 1, "title_gap": -1, "title_rank": -1,
    "sent_cos": 1, "sent_gap": -1, "sent_rank": -1, "sent_top2": 1,
    "title_bm25": 1, "title_bm25_rel": 1, "body_bm25": 1, "body_bm25_rel": 1,
    "cov_title": 1, "cov_doc": 1, "cov_pairs": 1, "char_title": 1,
    # Lengths: no direction (only a KB's own refit uses them).
    "doc_len": 0, "title_len": 0, "q_terms": 0, "q_len": 0,
}
LENGTHS = ("doc_len", "title_len", "q_terms", "q_len")
SHIPPED = tuple(f for f in FEATURES if f not in LENGTHS)  # what the default model reads


@dataclass(frozen=True)
class Candidate:
    """A first-stage document: its fused score and its best chunk's arm scores (None: that arm
    did not find it in its top ``depth``)."""

    doc_id: str
    fused: float
    bm25: float | None
    dense: float | None


@dataclass(frozen=True)
class QueryInfo:
    text: str
    vector: np.ndarray
    terms: list[str]
    pairs: set[tuple[str, str]]
    bigrams: set[str]

    @classmethod
    def of(cls, text: str, vector: np.ndarray, tokenizer: Tokenizer,
           terms: list[str] | None = None) -> QueryInfo:
        """``terms``: ``tokenizer.tokens(text)`` when the caller has them already."""
        terms = tokenizer.tokens(text) if terms is None else terms
        return cls(text, np.asarray(vector, dtype=np.float32), terms,
                   set(zip(terms, terms[1:], strict=False)), char_bigrams(text))


def _ranks(values: np.ndarray) -> np.ndarray:
    """0 for the largest value; ties keep their list order."""
    order = np.argsort(-values, kind="stable")
    out = np.empty(len(values), dtype=np.float32)
    out[order] = np.arange(len(values), dtype=np.float32)
    return out


def _rel(values: np.ndarray) -> np.ndarray:
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else np.zeros_like(values)


def _sentence_cosines(vector: np.ndarray, pos: np.ndarray, table: DocTable,
                      fallback: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate: its best sentence's cosine to the query and the mean of its best two; a
    document without sentences keeps ``fallback`` (its chunks' cosine) for both."""
    best, top2 = fallback.copy(), fallback.copy()
    starts, ends = table.sentence_start[pos], table.sentence_start[pos + 1]
    for i in np.flatnonzero(ends > starts).tolist():
        cos = np.sort(table.sentence_vectors[starts[i]:ends[i]] @ vector)
        best[i] = cos[-1]
        top2[i] = (cos[-1] + cos[-2]) / np.float32(2) if len(cos) > 1 else cos[-1]
    return best, top2


def candidate_features(query: QueryInfo, candidates: Sequence[Candidate],
                       table: DocTable) -> np.ndarray:
    """A (len(candidates), len(FEATURES)) float32 matrix, columns in ``FEATURES`` order;
    ``candidates`` in first-stage order (best first)."""
    n = len(candidates)
    pos = np.array([table.position[c.doc_id] for c in candidates], dtype=np.int64)
    fused = np.array([c.fused for c in candidates], dtype=np.float32)
    bm25 = np.array([c.bm25 or 0.0 for c in candidates], dtype=np.float32)
    missing = np.array([c.bm25 is None for c in candidates], dtype=np.float32)
    dense = np.array([c.dense if c.dense is not None else 0.0 for c in candidates],
                     dtype=np.float32)
    title = (table.title_vectors[pos] @ query.vector).astype(np.float32) if n else dense
    sent, sent2 = _sentence_cosines(query.vector, pos, table, dense)
    uniq = list(dict.fromkeys(query.terms))
    title_idf = {t: table.title_stats.idf(t) for t in uniq}  # once per query, not per candidate
    body_idf = {t: table.body_stats.idf(t) for t in uniq}
    idf = np.array(list(body_idf.values()), dtype=np.float32)
    idf_sum = float(idf.sum()) or 1.0
    lexical = np.zeros((n, 6), dtype=np.float32)  # title/body BM25, coverages, characters
    for i, p in enumerate(pos.tolist()):
        doc = table.record(p)
        ttf, btf = doc.title_terms, doc.body_terms
        in_title = np.fromiter((t in ttf for t in uniq), bool, len(uniq))
        in_doc = in_title | np.fromiter((t in btf for t in uniq), bool, len(uniq))
        lexical[i] = (
            table.title_stats.bm25(title_idf, ttf), table.body_stats.bm25(body_idf, btf),
            float(idf[in_title].sum()) / idf_sum if uniq else 0.0,
            float(idf[in_doc].sum()) / idf_sum if uniq else 0.0,
            len(query.pairs & doc.pairs) / len(query.pairs) if query.pairs else 0.0,
            len(query.bigrams & doc.title_bigrams) / len(query.bigrams)
            if query.bigrams else 0.0)
    bm25_rank = np.where(missing > 0, float(n), _ranks(bm25))
    columns = {
        "fused": fused, "fused_gap": fused.max(initial=0.0) - fused,
        "fused_rank": np.arange(n, dtype=np.float32),
        "bm25": bm25, "bm25_rel": _rel(bm25), "bm25_rank": bm25_rank, "bm25_missing": missing,
        "dense": dense, "dense_gap": dense.max(initial=0.0) - dense, "dense_rank": _ranks(dense),
        "title_cos": title, "title_gap": title.max(initial=0.0) - title,
        "title_rank": _ranks(title),
        "sent_cos": sent, "sent_gap": sent.max(initial=0.0) - sent, "sent_rank": _ranks(sent),
        "sent_top2": sent2,
        "title_bm25": lexical[:, 0], "title_bm25_rel": _rel(lexical[:, 0]),
        "body_bm25": lexical[:, 1], "body_bm25_rel": _rel(lexical[:, 1]),
        "cov_title": lexical[:, 2], "cov_doc": lexical[:, 3], "cov_pairs": lexical[:, 4],
        "char_title": lexical[:, 5],
        "doc_len": np.log1p(table.body_chars[pos]),
        "title_len": np.log1p(table.title_chars[pos]),
        "q_terms": np.full(n, len(uniq), np.float32),
        "q_len": np.full(n, np.log1p(len(query.text)), np.float32),
    }
    return np.stack([np.asarray(columns[name], np.float32) for name in FEATURES], axis=1) \
        if n else np.empty((0, len(FEATURES)), np.float32)
