"""Shared value types: documents, chunks and the vocabularies they use.

Ids are hashes of where a document comes from (the file's name within the folder ingested, and
the document's key in it), so re-ingesting the same text gives the same ids, wherever the folder is.

Example:
    >>> doc = Document.create(source="faq.csv", key="FAQ-001", kind=Kind.FAQ,
    ...                       title="パスワードを忘れた", body="再設定できます。")
    >>> doc.id == Document.create(source="faq.csv", key="FAQ-001", kind=Kind.FAQ,
    ...                           title="x", body="y").id
    True
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any, TypeVar

E = TypeVar("E", bound=StrEnum)


class Kind(StrEnum):
    MANUAL = "manual"
    FAQ = "faq"
    TICKET = "ticket"


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


def parse_enum(enum: type[E], value: str, what: str) -> E:
    """Parse ``value`` into ``enum`` or raise ``ValueError`` naming the allowed values."""
    try:
        return enum(value.strip().lower())
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise ValueError(f"unknown {what} {value!r}; allowed: {allowed}") from None


# The version of the rules that cut a document into chunks (``kotae.ingest.chunking``): part of
# every document's ``content_hash``, so a KB's next ingest chunks its documents again when the
# rules change (their unchanged chunks keep their cached embeddings).
CHUNKING_VERSION = "2"  # 2: sections that only link to other pages are not chunks


def stable_hash(*parts: str, length: int = 16) -> str:
    """A short hex digest of ``parts`` (joined unambiguously)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


@dataclass(frozen=True, slots=True)
class Document:
    """One article, FAQ entry or past ticket, after normalisation.

    ``id`` depends only on where the document comes from: ``key`` (what tells it apart in its
    file: an FAQ row's id, a ticket's id) and ``name`` (the file's path within the folder it was
    ingested from, so the folder can move; "": the full path ``source``, as before names). An
    edited file keeps its ids and replaces its chunks; ``content_hash`` changes with any content
    (and with ``CHUNKING_VERSION``). FAQ entries keep ``question`` and ``answer`` apart; tickets
    keep the customer's message in ``body`` and the agent's final reply in ``answer``.
    """

    id: str
    source: str
    kind: Kind
    title: str
    body: str
    language: str = "ja"
    visibility: Visibility = Visibility.PUBLIC
    product: str = ""
    url: str = ""
    category: str = ""
    updated_at: str = ""
    question: str = ""
    answer: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    key: str = ""
    name: str = ""

    @classmethod
    def create(cls, *, source: str, key: str, name: str = "", **fields: Any) -> Document:
        return cls(id=stable_hash(name or source, key), source=source, key=key, name=name,
                   **fields)

    def named(self, name: str) -> Document:
        """This document with its id made from ``name`` ("": from its full path)."""
        return replace(self, id=stable_hash(name or self.source, self.key), name=name)

    @property
    def content_hash(self) -> str:
        data = asdict(self)
        for identity in ("id", "key", "name"):
            data.pop(identity)
        return stable_hash(json.dumps(data, ensure_ascii=False, sort_keys=True), CHUNKING_VERSION,
                           length=32)


@dataclass(frozen=True, slots=True)
class Chunk:
    """A searchable piece of a document.

    ``text`` is what is shown; ``heading`` is the path of titles above it (document title first),
    carried with the text into both indexes so a section is found by its headings too.
    """

    id: str
    doc_id: str
    ordinal: int
    text: str
    heading: str = ""

    @classmethod
    def create(cls, doc_id: str, ordinal: int, text: str, heading: str = "") -> Chunk:
        return cls(id=stable_hash(doc_id, str(ordinal), heading, text), doc_id=doc_id,
                   ordinal=ordinal, text=text, heading=heading)

    @property
    def indexed_text(self) -> str:
        """What the indexes see: the heading path, then the text."""
        return f"{self.heading}\n{self.text}" if self.heading else self.text


@dataclass(slots=True)
class Hit:
    """One search result: the best chunk of a document, with per-arm and fused scores.

    ``scores`` holds the raw BM25 score and the dense cosine (None when that arm did not find
    the chunk); ``highlights`` are (start, end) offsets of matched words in ``snippet``.
    """

    doc_id: str
    chunk_id: str
    title: str
    snippet: str
    url: str
    kind: Kind
    visibility: Visibility
    language: str
    product: str
    score: float
    scores: dict[str, float | None]
    highlights: list[tuple[int, int]] = field(default_factory=list)
    heading: str = ""
    text: str = ""
