"""The ingestion pipeline: files → documents → chunks → the SQL store, in one transaction.

Bad files and bad lines are reported and skipped; the rest of the batch goes in, and what a
skipped file had in the KB stays there.

Example:
    >>> report = ingest_paths(KBStore.for_dir("var/kb"), ["kb/sample_kb"])
    >>> report.counts.added, [str(p) for p in report.problems]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunking import chunk_text
from ingest.errors import LoadError, Problem
from ingest.loaders import Defaults, loader_for
from kb import Chunk, Document, KBStore, Kind, SyncCounts

# Files in a folder that describe the folder rather than belong to the KB.
_IGNORED_NAMES = {"readme.md", "readme.txt", "readme", "license", "license.txt", "licence"}


@dataclass
class IngestReport:
    files: int = 0
    counts: SyncCounts = field(default_factory=SyncCounts)
    problems: list[Problem] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.problems)


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """The loadable files under ``paths`` (folders recursively, hidden entries skipped)."""
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                rel = f.relative_to(path).parts
                if (f.is_file() and not any(p.startswith(".") for p in rel)
                        and f.name.lower() not in _IGNORED_NAMES and loader_for(f)):
                    files.append(f.resolve())
        elif path.is_file():
            if loader_for(path):
                files.append(path.resolve())
            else:
                problems.append(Problem(str(path), f"unsupported file type {path.suffix!r}; "
                                        "supported: .md .markdown .txt .html .htm .csv .jsonl"))
        else:
            problems.append(Problem(str(path), "no such file or folder"))
    return list(dict.fromkeys(files)), problems


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


def ingest_paths(
    store: KBStore,
    paths: Sequence[str | Path],
    defaults: Defaults | None = None,
    prune: bool = False,
    on_file: Callable[[Path], None] | None = None,
    files: Sequence[Path] | None = None,
) -> IngestReport:
    """Load every file under ``paths`` into ``store``; see the module docstring."""
    defaults = defaults or Defaults()
    report = IngestReport()
    if files is None:
        files, report.problems = discover(paths)
    with store.session() as s:
        for path in files:
            if on_file:
                on_file(path)
            loader = loader_for(path)
            assert loader is not None  # discover() only returns loadable files
            try:
                loaded = loader(path, defaults)
            except LoadError as exc:
                report.problems.append(Problem(exc.path, exc.reason))
                continue
            report.files += 1
            report.problems.extend(loaded.problems)
            known = store.content_hashes(s, str(path))
            items = [(doc, None if known.get(doc.id) == doc.content_hash else chunk_document(doc))
                     for doc in loaded.documents]
            report.counts += store.sync_source(s, str(path), items,
                                               remove_missing=loaded.complete)
        if prune:
            report.counts += store.prune_sources(s, keep=lambda src: Path(src).exists())
    return report
