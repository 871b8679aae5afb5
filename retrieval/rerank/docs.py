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
    >>> DocTable.write(folder / "rerank", documents, title_vectors, sentence_vectors, tokenizer)
    >>> DocTable.load(folder / "rerank").position["4f2a…"]
    12
"""

from __future__ import annotations

import json
import math
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from kotae.kb import Document, Kind
from kotae.kb.text import split_sentences
from kotae.retrieval.protocols import Tokenizer

FOLDER = "rerank"
SENTENCES_FILE = "sentences.npy"
TITLES_FILE = "titles.npy"
K1, B = 1.2, 0.75
MIN_SENTENCE = 8  # characters: shorter pieces (list numbers, 「以下のとおり」) say nothing alone


def doc_title(doc: Document) -> str:
    """What a document says it is about: an FAQ entry's question, else its title."""
    return (doc.question or doc.title) if doc.kind is Kind.FAQ else doc.title


def doc_body(doc: Document) -> str:
    return (doc.answer or doc.body) if doc.kind is Kind.FAQ else doc.body


def sentences(text: str) -> list[str]:
    return [s for s in split_sentences(text) if len(s) >= MIN_SENTENCE]


def _mapped_from(array: np.ndarray, path: Path) -> bool:
    filename = getattr(array, "filename", None)  # set on np.memmap (and views of one)
    return filename is not None and Path(filename).resolve() == path.resolve()


def _mapped(path: Path) -> np.ndarray:
    return np.load(path, mmap_mode="r").view(np.ndarray)


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
    def of(cls, df: Counter[str], lengths: Sequence[int]) -> FieldStats:
        """From each term's document count and each document's length (in terms)."""
        return cls(df, len(lengths), float(np.mean(lengths)) if len(lengths) else 0.0)

    def idf(self, term: str) -> float:
        d = self.df.get(term, 0)
        return math.log(1 + (self.n - d + 0.5) / (d + 0.5))

    def bm25(self, idf: Mapping[str, float], tf: Counter[str]) -> float:
        """BM25 of a document (its terms' counts ``tf``) for a query's distinct terms, given
        with their ``idf`` in this field (computed once per query)."""
        norm = K1 * (1 - B + B * sum(tf.values()) / max(self.avgdl, 1e-9))
        return sum(w * tf[t] * (K1 + 1) / (tf[t] + norm) for t, w in idf.items() if t in tf)


@dataclass(frozen=True)
class DocRecord:
    """What the second stage reads of one candidate document."""

    title: str
    title_terms: Counter[str]
    body_terms: Counter[str]
    pairs: set[tuple[str, str]]  # adjacent term pairs of its title and body

    @cached_property  # once per record read (records are cached), not once per query
    def title_bigrams(self) -> set[str]:
        return char_bigrams(self.title)


class DocTable:
    """Per-document data of one snapshot, row ``position[doc_id]`` of every array.

    Held in memory: ids, lengths and the fields' statistics. The vectors are memory-mapped
    (a query reads its candidates' rows only; worker processes share one copy in the page
    cache), and a document's terms are read from ``docs.jsonl`` when it is a candidate
    (``record``, with a cache of the recent ones): a 100k-document KB's term tables would
    take about a gigabyte of every serving process's memory.
    """

    def __init__(self, folder: Path, record_cache: int = 4096) -> None:
        # Memory-mapped, read through plain array views (np.memmap's Python-level bookkeeping
        # on every slice cost more than the products themselves).
        self.title_vectors = _mapped(folder / TITLES_FILE)  # (docs, dim)
        self.sentence_vectors = _mapped(folder / SENTENCES_FILE)  # (sents, dim)
        self.sentence_start = np.load(folder / "sentence_start.npy")  # doc i: [s[i], s[i+1])
        self._file = open(folder / "docs.jsonl", "rb")  # noqa: SIM115 (the table's lifetime)
        self._lock = threading.Lock()
        offsets, ids, body, title = [0], [], [], []
        title_df: Counter[str] = Counter()
        body_df: Counter[str] = Counter()
        title_len, body_len = [], []
        for line in self._file:  # one pass: statistics, not the records themselves
            row = json.loads(line)
            offsets.append(offsets[-1] + len(line))
            ids.append(row["id"])
            title.append(len(row["title"]))
            body.append(row["n"])
            title_df.update(row["t"].keys())
            body_df.update(row["b"].keys())
            title_len.append(sum(row["t"].values()))
            body_len.append(sum(row["b"].values()))
        self.doc_ids: list[str] = ids
        self.position = {d: i for i, d in enumerate(ids)}
        self.title_chars = np.array(title, dtype=np.float32)
        self.body_chars = np.array(body, dtype=np.float32)
        self.title_stats = FieldStats.of(title_df, title_len)
        self.body_stats = FieldStats.of(body_df, body_len)
        self._offsets = np.array(offsets, dtype=np.int64)
        self.record = lru_cache(maxsize=record_cache)(self._read_record)

    def __len__(self) -> int:
        return len(self.doc_ids)

    def _read_record(self, position: int) -> DocRecord:
        start, end = int(self._offsets[position]), int(self._offsets[position + 1])
        with self._lock:
            self._file.seek(start)
            row = json.loads(self._file.read(end - start))
        return DocRecord(row["title"], Counter(row["t"]), Counter(row["b"]),
                         {tuple(p.split("\t", 1)) for p in row["p"]})  # type: ignore[misc]

    @staticmethod
    def sentence_texts(docs: Iterable[Document]) -> Iterator[str]:
        """Every document's sentences, in the order ``write`` wants their vectors."""
        return (s for d in docs for s in sentences(doc_body(d)))

    @staticmethod
    def title_texts(docs: Iterable[Document]) -> Iterator[str]:
        """Every document's title, in the order ``write`` wants their (query) vectors."""
        return (doc_title(d) for d in docs)

    @staticmethod
    def write(folder: Path, docs: Iterable[Document], title_vectors: np.ndarray,
              sentence_vectors: np.ndarray, tokenizer: Tokenizer) -> None:
        """Write the table of the snapshot's documents (each once, in order) to ``folder``, a
        document at a time. ``title_vectors`` are the *query* vectors of ``title_texts(docs)``,
        ``sentence_vectors`` the passage vectors of ``sentence_texts(docs)`` (the builder
        embeds both through its cache; it may hand the sentences' over memory-mapped from
        the file this would write, ``folder / SENTENCES_FILE``)."""
        folder.mkdir(parents=True, exist_ok=True)
        counts: list[int] = []
        with open(folder / "docs.jsonl", "w", encoding="utf-8") as fh:
            for doc in docs:
                title, body = doc_title(doc), doc_body(doc)
                title_tokens, body_tokens = tokenizer.tokens(title), tokenizer.tokens(body)
                fh.write(json.dumps({
                    "id": doc.id, "title": title, "t": Counter(title_tokens),
                    "b": Counter(body_tokens),
                    "p": ["\t".join(p) for p in _pairs(title_tokens) | _pairs(body_tokens)],
                    "n": float(len(body))}, ensure_ascii=False) + "\n")
                counts.append(len(sentences(body)))
        if len(title_vectors) != len(counts):
            raise ValueError("title_vectors must be those of title_texts(docs)")
        if len(sentence_vectors) != sum(counts):
            raise ValueError("sentence_vectors must be those of sentence_texts(docs)")
        np.save(folder / TITLES_FILE, np.asarray(title_vectors, dtype=np.float32))
        target = folder / SENTENCES_FILE
        if not _mapped_from(sentence_vectors, target):  # else it is that file already
            np.save(target, np.asarray(sentence_vectors, dtype=np.float32))
        np.save(folder / "sentence_start.npy",
                np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))

    @classmethod
    def load(cls, folder: Path) -> DocTable:
        return cls(folder)
