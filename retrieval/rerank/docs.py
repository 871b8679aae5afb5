"""What the second stage knows about each document, computed once when a snapshot is built.

For every document of the snapshot: its title (an FAQ entry's question, else its title),
embedded on its own as an e5 *query* (a title and a customer's question are both questions, so
the two are compared in the same role); its sentences (``kotae.kb.text``, at least
``MIN_SENTENCE`` characters) embedded as passages, so the best-matching sentence can speak for a
long document; the content terms of its title and of its body (the BM25 tokeniser's), its
adjacent term pairs (a cheap phrase match), and its length. Written to ``rerank/`` in the
snapshot; the query side is ``features``. Both kinds of vectors go through the store's
embedding cache, so a rebuild embeds only new text.

Example:
    >>> table = DocTable.build(pairs, embed_titles, tokenizer)
    >>> table.save(folder / "rerank")
    >>> DocTable.load(folder / "rerank").position["4f2a…"]
    12
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kotae.kb import Chunk, Document, Kind
from kotae.kb.text import split_sentences
from kotae.retrieval.protocols import Tokenizer

FOLDER = "rerank"
K1, B = 1.2, 0.75
MIN_SENTENCE = 8  # characters: shorter pieces (list numbers, 「以下のとおり」) say nothing alone


def doc_title(doc: Document) -> str:
    """What a document says it is about: an FAQ entry's question, else its title."""
    return (doc.question or doc.title) if doc.kind is Kind.FAQ else doc.title


def doc_body(doc: Document) -> str:
    return (doc.answer or doc.body) if doc.kind is Kind.FAQ else doc.body


def sentences(text: str) -> list[str]:
    return [s for s in split_sentences(text) if len(s) >= MIN_SENTENCE]


def _pairs(tokens: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(tokens, tokens[1:], strict=False))


def char_bigrams(text: str) -> set[str]:
    text = "".join(text.lower().split())
    return {text[i:i + 2] for i in range(len(text) - 1)}


@dataclass(frozen=True)
class FieldStats:
    """BM25 statistics of one field (titles or bodies) over the snapshot's documents."""

    df: Counter[str]
    n: int
    avgdl: float

    @classmethod
    def of(cls, tfs: Sequence[Counter[str]]) -> FieldStats:
        lengths = [sum(tf.values()) for tf in tfs]
        return cls(Counter(t for tf in tfs for t in tf), len(tfs),
                   float(np.mean(lengths)) if lengths else 0.0)

    def idf(self, term: str) -> float:
        d = self.df.get(term, 0)
        return math.log(1 + (self.n - d + 0.5) / (d + 0.5))

    def bm25(self, query: Sequence[str], tf: Counter[str]) -> float:
        norm = K1 * (1 - B + B * sum(tf.values()) / max(self.avgdl, 1e-9))
        return sum(self.idf(t) * tf[t] * (K1 + 1) / (tf[t] + norm) for t in set(query) if t in tf)


@dataclass
class DocTable:
    """Per-document data of one snapshot, row ``position[doc_id]`` of every array."""

    doc_ids: list[str]
    titles: list[str]
    title_vectors: np.ndarray  # (documents, dim): each title embedded as a query
    sentence_vectors: np.ndarray  # (sentences, dim): every document's sentences, in order
    sentence_start: np.ndarray  # (documents + 1,): doc i's are [start[i], start[i + 1])
    title_terms: list[Counter[str]]
    body_terms: list[Counter[str]]
    pairs: list[set[tuple[str, str]]]
    body_chars: np.ndarray
    position: dict[str, int] = field(init=False)
    title_stats: FieldStats = field(init=False)
    body_stats: FieldStats = field(init=False)
    title_bigrams: list[set[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.position = {d: i for i, d in enumerate(self.doc_ids)}
        self.title_stats = FieldStats.of(self.title_terms)
        self.body_stats = FieldStats.of(self.body_terms)
        self.title_bigrams = [char_bigrams(t) for t in self.titles]

    def __len__(self) -> int:
        return len(self.doc_ids)

    @staticmethod
    def documents(pairs: Sequence[tuple[Chunk, Document]]) -> list[Document]:
        """The snapshot's documents, in the table's order."""
        return list({d.id: d for _, d in pairs}.values())

    @classmethod
    def sentence_texts(cls, pairs: Sequence[tuple[Chunk, Document]]) -> list[str]:
        """Every document's sentences, in the order ``build`` wants their vectors."""
        return [s for d in cls.documents(pairs) for s in sentences(doc_body(d))]

    @classmethod
    def build(cls, pairs: Sequence[tuple[Chunk, Document]],
              embed_titles: Callable[[list[str]], np.ndarray], sentence_vectors: np.ndarray,
              tokenizer: Tokenizer) -> DocTable:
        """From the snapshot's (chunk, document) pairs; ``embed_titles`` embeds texts as
        queries (cached by the builder); ``sentence_vectors`` are the passage vectors of
        ``sentence_texts(pairs)``, embedded with the chunks (one progress bar, one cache)."""
        docs = cls.documents(pairs)
        titles = [doc_title(d) for d in docs]
        bodies = [doc_body(d) for d in docs]
        title_tokens = [tokenizer.tokens(t) for t in titles]
        body_tokens = [tokenizer.tokens(b) for b in bodies]
        split = [sentences(b) for b in bodies]
        if len(sentence_vectors) != sum(len(g) for g in split):
            raise ValueError("sentence_vectors must be those of sentence_texts(pairs)")
        return cls(
            doc_ids=[d.id for d in docs], titles=titles, title_vectors=embed_titles(titles),
            sentence_vectors=sentence_vectors,
            sentence_start=np.concatenate([[0], np.cumsum([len(g) for g in split])]).astype(
                np.int64),
            title_terms=[Counter(tokens) for tokens in title_tokens],
            body_terms=[Counter(tokens) for tokens in body_tokens],
            pairs=[_pairs(t) | _pairs(b) for t, b in zip(title_tokens, body_tokens, strict=True)],
            body_chars=np.array([len(b) for b in bodies], dtype=np.float32))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "titles.npy", np.asarray(self.title_vectors, dtype=np.float32))
        np.save(folder / "sentences.npy", np.asarray(self.sentence_vectors, dtype=np.float32))
        np.save(folder / "sentence_start.npy", self.sentence_start)
        with open(folder / "docs.jsonl", "w", encoding="utf-8") as fh:
            for i, doc_id in enumerate(self.doc_ids):
                fh.write(json.dumps({
                    "id": doc_id, "title": self.titles[i], "t": self.title_terms[i],
                    "b": self.body_terms[i], "p": ["\t".join(p) for p in self.pairs[i]],
                    "n": float(self.body_chars[i])}, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, folder: Path) -> DocTable:
        with open(folder / "docs.jsonl", encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh]
        return cls(
            doc_ids=[r["id"] for r in rows], titles=[r["title"] for r in rows],
            title_vectors=np.load(folder / "titles.npy"),
            sentence_vectors=np.load(folder / "sentences.npy"),
            sentence_start=np.load(folder / "sentence_start.npy"),
            title_terms=[Counter(r["t"]) for r in rows],
            body_terms=[Counter(r["b"]) for r in rows],
            pairs=[{tuple(p.split("\t", 1)) for p in r["p"]} for r in rows],  # type: ignore[misc]
            body_chars=np.array([r["n"] for r in rows], dtype=np.float32))
