"""The SQL store: documents, their chunks and an embedding cache (SQLite file by default).

Example:
    >>> store = KBStore.for_dir("var/kb")
    >>> with store.session() as s:
    ...     counts = store.sync_source(s, "faq.csv", [(doc, chunks)])
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    create_engine,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from kotae.kb import sqlite
from kotae.kb.errors import StoreReadOnly
from kotae.kb.schema import upgrade
from kotae.kb.types import Chunk, Document, Kind, Visibility

log = logging.getLogger(__name__)


class Base(DeclarativeBase):
    pass


class DocumentRow(Base):
    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(Text, index=True)
    # The source's name its id is made from: its path within the folder ingested ("": the full
    # path ``source``, as every document had before names).
    name: Mapped[str] = mapped_column(Text, default="", server_default="", index=True)
    key: Mapped[str] = mapped_column(Text, default="", server_default="")  # within its source
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    question: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8))
    visibility: Mapped[str] = mapped_column(String(16))
    # Text, not String(n): PostgreSQL enforces lengths that SQLite ignores.
    product: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[str] = mapped_column(Text, default="")
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    ingested_at: Mapped[str] = mapped_column(String(40))


class ChunkRow(Base):
    __tablename__ = "chunks"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    doc_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int] = mapped_column(Integer)
    heading: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)


class EmbeddingRow(Base):
    """Vectors keyed by (embedder, hash of the embedded text): the same text is embedded once."""

    __tablename__ = "embeddings"
    embedder_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class SourceRow(Base):
    """The fingerprint of a source file as last loaded completely: unchanged files are skipped."""

    __tablename__ = "sources"
    source: Mapped[str] = mapped_column(Text, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))


@dataclass
class SyncCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    removed_ids: list[str] = field(default_factory=list)

    def __iadd__(self, other: SyncCounts) -> SyncCounts:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.removed += other.removed
        self.removed_ids += other.removed_ids
        return self

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


# Bound parameters per statement stay far below SQLite's and PostgreSQL's limits.
_BATCH = 500
# Appended to an embedder id in the embedding cache: its vectors of texts embedded as *queries*
# (e5 embeds a query and a passage of the same text differently).
QUERY_VECTORS = "#query"


def _batches(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _BATCH):
        yield items[start:start + _BATCH]


def engine_url(url: str) -> str:
    """Plain ``postgresql://`` URLs use psycopg 3 (``kotae[postgres]``), not psycopg2.

    >>> engine_url("postgresql://kotae@127.0.0.1/kb")
    'postgresql+psycopg://kotae@127.0.0.1/kb'
    """
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _row_to_document(row: DocumentRow) -> Document:
    return Document(
        id=row.id, source=row.source, kind=Kind(row.kind), title=row.title, body=row.body,
        language=row.language, visibility=Visibility(row.visibility), product=row.product,
        url=row.url, category=row.category, updated_at=row.updated_at, question=row.question,
        answer=row.answer, meta=dict(row.meta or {}), name=row.name or "",
        key=row.key or "",
    )


class KBStore:
    """Documents, chunks and cached embeddings in one SQL database.

    A SQLite file this process may not write is opened read-only (``read_only``): reads go
    on, writes raise ``StoreReadOnly``; a write that waits too long for another writer's lock
    raises ``StoreBusy`` (see ``kb.sqlite``).
    """

    def __init__(self, url: str) -> None:
        if not url or "://" not in url:
            raise ValueError(f"database URL {url!r} is not a URL (e.g. sqlite:///var/kb/kotae.db)")
        self.url = url
        db = sqlite.sqlite_file(url)
        self.read_only = db is not None and sqlite.is_read_only(db)
        try:
            self.engine: Engine = create_engine(
                sqlite.read_only_url(db) if db and self.read_only else engine_url(url),
                pool_pre_ping=True, connect_args=sqlite.connect_args(url))
        except ModuleNotFoundError as exc:
            raise ValueError(f"the database driver for {url.split(':')[0]} is not installed "
                             f"({exc.name}); install it with: pip install 'kotae[postgres]'"
                             ) from exc
        if url.startswith("sqlite"):
            sqlite.configure(self.engine, where=str(db or url), read_only=self.read_only)
        try:
            Base.metadata.create_all(self.engine)
            if not self.read_only:
                upgrade(self.engine, Base.metadata)  # columns added since the KB was made
        except StoreReadOnly as exc:  # the tables it has can still be read
            log.warning("%s; tables kotae needs are missing, so their features fail", exc)

    @classmethod
    def for_dir(cls, kb_dir: str | Path) -> KBStore:
        path = Path(kb_dir)
        path.mkdir(parents=True, exist_ok=True)
        return cls(f"sqlite:///{path / 'kotae.db'}")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back on any error."""
        with Session(self.engine) as s, s.begin():
            yield s

    # --- documents ---------------------------------------------------------------------------

    def content_hashes(self, s: Session, source: str) -> dict[str, str]:
        rows = s.execute(select(DocumentRow.id, DocumentRow.content_hash)
                         .where(DocumentRow.source == source))
        return {doc_id: h for doc_id, h in rows}

    def sync_source(
        self,
        s: Session,
        source: str,
        items: Sequence[tuple[Document, Sequence[Chunk] | None]],
        remove_missing: bool = True,
    ) -> SyncCounts:
        """Make the stored documents of ``source`` equal to ``items``.

        An item whose chunks are ``None`` is known unchanged (same content hash) and is kept as
        it is. With ``remove_missing`` the source's documents not in ``items`` are deleted.
        """
        counts = SyncCounts()
        existing = self.content_hashes(s, source)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        seen: set[str] = set()
        for doc, chunks in items:
            seen.add(doc.id)
            if chunks is None or existing.get(doc.id) == doc.content_hash:
                counts.unchanged += 1
                continue
            if doc.id in existing:
                s.execute(delete(ChunkRow).where(ChunkRow.doc_id == doc.id))
                s.execute(delete(DocumentRow).where(DocumentRow.id == doc.id))
                counts.updated += 1
            else:
                counts.added += 1
            s.add(DocumentRow(
                id=doc.id, source=doc.source, name=doc.name, key=doc.key, kind=doc.kind.value,
                title=doc.title, body=doc.body, question=doc.question, answer=doc.answer,
                language=doc.language, visibility=doc.visibility.value, product=doc.product,
                url=doc.url, category=doc.category, updated_at=doc.updated_at,
                meta=json.loads(json.dumps(doc.meta, ensure_ascii=False, default=str)),
                content_hash=doc.content_hash, ingested_at=now,
            ))
            s.flush()
            s.add_all(ChunkRow(id=c.id, doc_id=c.doc_id, ordinal=c.ordinal, heading=c.heading,
                               text=c.text) for c in chunks)
        if remove_missing:
            gone = [doc_id for doc_id in existing if doc_id not in seen]
            counts += self._delete_documents(s, gone)
        return counts

    def id_names(self, s: Session, source: str) -> set[str]:
        """The names the ids of ``source``'s documents are made from ("": its full path)."""
        return set(s.scalars(select(DocumentRow.name).where(DocumentRow.source == source)
                             .distinct()))

    def sources_named(self, s: Session, name: str) -> set[str]:
        """The sources whose documents' ids are made from ``name``."""
        return set(s.scalars(select(DocumentRow.source).where(DocumentRow.name == name)
                             .distinct()))

    def move_source(self, s: Session, old: str, new: str) -> None:
        """``old``'s documents now come from ``new`` (the folder moved): same ids, and whatever
        refers to them (links, learnt phrasings, feedback) stays theirs."""
        s.execute(update(DocumentRow).where(DocumentRow.source == old).values(source=new))
        s.execute(delete(SourceRow).where(SourceRow.source == old))

    def prune_sources(self, s: Session, keep: Callable[[str], bool]) -> SyncCounts:
        """Delete the documents whose source ``keep`` rejects (e.g. files that are gone)."""
        sources = set(s.scalars(select(DocumentRow.source).distinct()).all())
        sources.update(s.scalars(select(SourceRow.source)).all())
        rejected = sorted(src for src in sources if not keep(src))
        gone: list[str] = []
        for batch in _batches(rejected):
            gone += s.scalars(select(DocumentRow.id).where(DocumentRow.source.in_(batch))).all()
            s.execute(delete(SourceRow).where(SourceRow.source.in_(batch)))
        return self._delete_documents(s, gone)

    def _delete_documents(self, s: Session, ids: list[str]) -> SyncCounts:
        for batch in _batches(ids):
            s.execute(delete(ChunkRow).where(ChunkRow.doc_id.in_(batch)))
            s.execute(delete(DocumentRow).where(DocumentRow.id.in_(batch)))
        return SyncCounts(removed=len(ids), removed_ids=list(ids))

    # --- source fingerprints -----------------------------------------------------------------

    def source_fingerprint(self, s: Session, source: str) -> str | None:
        """The fingerprint recorded for ``source`` when it was last loaded completely."""
        return s.scalar(select(SourceRow.fingerprint).where(SourceRow.source == source))

    def set_source_fingerprint(self, s: Session, source: str, fingerprint: str | None) -> None:
        """Record (or with None forget) the fingerprint of a completely loaded source."""
        s.execute(delete(SourceRow).where(SourceRow.source == source))
        if fingerprint is not None:
            s.add(SourceRow(source=source, fingerprint=fingerprint))

    def get_document(self, doc_id: str) -> Document | None:
        with Session(self.engine) as s:
            row = s.get(DocumentRow, doc_id)
            return _row_to_document(row) if row else None

    def get_documents(self, doc_ids: Sequence[str]) -> dict[str, Document]:
        """The stored documents among ``doc_ids`` by id, in one query per batch (a suggestion
        reads a dozen hits' documents: one query each was a tenth of its time)."""
        out: dict[str, Document] = {}
        with Session(self.engine) as s:
            for batch in _batches(list(dict.fromkeys(doc_ids))):
                for row in s.scalars(select(DocumentRow).where(DocumentRow.id.in_(batch))):
                    out[row.id] = _row_to_document(row)
        return out

    def documents(self, kind: Kind | None = None, source: str | None = None) -> list[Document]:
        """Every document (of ``kind``, of ``source``), by id."""
        query = select(DocumentRow).order_by(DocumentRow.id)
        if kind is not None:
            query = query.where(DocumentRow.kind == kind.value)
        if source is not None:
            query = query.where(DocumentRow.source == source)
        with Session(self.engine) as s:
            return [_row_to_document(row) for row in s.scalars(query)]

    def sources(self) -> list[str]:
        with Session(self.engine) as s:
            return list(s.scalars(select(DocumentRow.source).distinct()))

    def count(self) -> dict[str, int]:
        with Session(self.engine) as s:
            docs = s.scalar(select(func.count()).select_from(DocumentRow)) or 0
            chunks = s.scalar(select(func.count()).select_from(ChunkRow)) or 0
        return {"documents": docs, "chunks": chunks}

    def iter_chunks_with_documents(self) -> Iterator[tuple[Chunk, Document]]:
        """Every chunk with its document, in a stable order (document id, then ordinal).

        Streamed: rows are read 2,000 at a time and one document is held at a time (a
        document's chunks come together and share its ``Document``)."""
        with Session(self.engine) as s:
            query = (select(ChunkRow, DocumentRow).join(DocumentRow, ChunkRow.doc_id ==
                                                         DocumentRow.id)
                     .order_by(ChunkRow.doc_id, ChunkRow.ordinal)
                     .execution_options(yield_per=2000))
            doc: Document | None = None
            for row, doc_row in s.execute(query):
                if doc is None or doc.id != doc_row.id:
                    doc = _row_to_document(doc_row)
                yield (Chunk(id=row.id, doc_id=row.doc_id, ordinal=row.ordinal, text=row.text,
                             heading=row.heading), doc)

    # --- embedding cache ---------------------------------------------------------------------

    def get_embeddings(self, embedder_id: str, text_hashes: Iterable[str]) -> dict[str, np.ndarray]:
        wanted = list(dict.fromkeys(text_hashes))
        found: dict[str, np.ndarray] = {}
        with Session(self.engine) as s:
            for batch in _batches(wanted):
                rows = s.execute(select(EmbeddingRow.text_hash, EmbeddingRow.vector).where(
                    EmbeddingRow.embedder_id == embedder_id, EmbeddingRow.text_hash.in_(batch)))
                for text_hash, blob in rows:
                    found[text_hash] = np.frombuffer(blob, dtype=np.float32)
        return found

    def cached_hashes(self, embedder_id: str, text_hashes: Iterable[str]) -> set[str]:
        """Which of ``text_hashes`` have a vector (reads the keys only, not the vectors)."""
        found: set[str] = set()
        with Session(self.engine) as s:
            for batch in _batches(list(dict.fromkeys(text_hashes))):
                found.update(s.scalars(select(EmbeddingRow.text_hash).where(
                    EmbeddingRow.embedder_id == embedder_id, EmbeddingRow.text_hash.in_(batch))))
        return found

    def put_embeddings(self, embedder_id: str, vectors: dict[str, np.ndarray]) -> None:
        """Store vectors in their own transaction, so an interrupted build keeps them.

        One upsert statement per batch (not a SELECT per row as ``Session.merge`` does).
        """
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        rows = [{"embedder_id": embedder_id, "text_hash": text_hash,
                 "vector": np.asarray(vec, dtype=np.float32).tobytes()}
                for text_hash, vec in vectors.items()]
        with self.session() as s:
            for start in range(0, len(rows), _BATCH):
                stmt = insert(EmbeddingRow).values(rows[start:start + _BATCH])
                s.execute(stmt.on_conflict_do_update(
                    index_elements=["embedder_id", "text_hash"],
                    set_={"vector": stmt.excluded.vector}))
