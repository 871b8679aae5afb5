"""One file → its checked, redacted documents and the chunks of those that changed.

A pure function of the file, the batch defaults and the content hashes already stored, so it
can run anywhere: in this process, or on a Ray worker (``ingest.ray_prepare``).

Example:
    >>> prepared = prepare_file(Path("kb/sample_kb/faq.csv"), Defaults(), known={})
    >>> len(prepared.documents), prepared.problems
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from kotae.ingest.chunking import chunk_text
from kotae.ingest.errors import LoadError, Problem
from kotae.ingest.loaders import Defaults, loader_for
from kotae.ingest.quality import text_problem
from kotae.kb import Chunk, Document, Kind
from kotae.kb.redact import redact_text


@dataclass
class PreparedFile:
    """``chunks`` is None for a document whose stored content hash is the same (unchanged)."""

    path: Path
    items: list[tuple[Document, list[Chunk] | None]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    failed: bool = False  # the whole file could not be read: nothing from it is used


class Job(NamedTuple):
    """A file to prepare: ``name`` is what its documents' ids are made from (``Document``),
    ``known`` the stored content hashes of its documents by id."""

    path: Path
    name: str
    fingerprint: str
    known: Mapping[str, str]


Preparer = Callable[[Sequence[Job], Defaults], Iterator[tuple[Job, PreparedFile]]]


def chunk_document(doc: Document, max_chars: int = 400, overlap: int = 80) -> list[Chunk]:
    """Chunks of a document; FAQ entries and tickets carry their question/subject as heading."""
    if doc.kind is Kind.TICKET:
        text = f"{doc.body}\n\n{doc.answer}" if doc.answer else doc.body
        pieces = chunk_text(text, title="", max_chars=max_chars, overlap=overlap)
        return [Chunk.create(doc.id, i, p.text, heading=doc.title) for i, p in enumerate(pieces)]
    if doc.kind is Kind.FAQ:
        pieces = chunk_text(doc.answer or doc.body, title="", max_chars=max_chars, overlap=overlap)
        return [Chunk.create(doc.id, i, p.text, heading=doc.question or doc.title)
                for i, p in enumerate(pieces)]
    pieces = chunk_text(doc.body, title=doc.title, max_chars=max_chars, overlap=overlap)
    return [Chunk.create(doc.id, i, p.text, heading=p.heading) for i, p in enumerate(pieces)]


def checked_documents(path: Path, docs: list[Document],
                      problems: list[Problem]) -> list[Document]:
    """Documents whose text is real text; garbage is reported, never indexed.

    Tickets are redacted again here (idempotent), so no ticket loader can skip it."""
    good: list[Document] = []
    for doc in docs:
        if doc.kind is Kind.TICKET:
            doc = replace(doc, title=redact_text(doc.title), body=redact_text(doc.body),
                          answer=redact_text(doc.answer))
        reason = text_problem(f"{doc.title}\n{doc.body}\n{doc.answer}")
        if reason is None:
            good.append(doc)
        elif len(docs) == 1:
            problems.append(Problem(str(path), reason))
        else:
            problems.append(Problem(str(path), f"entry {doc.title[:40]!r}: {reason}"))
    return good


def prepare_file(path: Path, defaults: Defaults, known: Mapping[str, str],
                 name: str = "") -> PreparedFile:
    """Load, check and chunk ``path``, its documents' ids made from ``name`` ("": from the full
    path); documents whose hash is in ``known`` are not chunked."""
    loader = loader_for(path)
    if loader is None:
        return PreparedFile(path, problems=[Problem(str(path), "unsupported file type")],
                            failed=True)
    try:
        loaded = loader(path, defaults)
    except LoadError as exc:
        return PreparedFile(path, problems=[Problem(exc.path, exc.reason)], failed=True)
    problems = list(loaded.problems)
    documents = [doc.named(name) for doc in checked_documents(path, loaded.documents, problems)]
    items = [(doc, None if known.get(doc.id) == doc.content_hash else chunk_document(doc))
             for doc in documents]
    return PreparedFile(path, items, problems)


def prepare_locally(jobs: Sequence[Job], defaults: Defaults) -> Iterator[tuple[Job, PreparedFile]]:
    for job in jobs:
        yield job, prepare_file(job.path, defaults, job.known, job.name)
