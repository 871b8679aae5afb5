"""The ingestion pipeline: files → documents → chunks → the SQL store, in one transaction.

Bad files and bad lines are reported and skipped (garbled or empty text too); the rest of the
batch goes in, and what a skipped file had in the KB stays there. A file whose fingerprint
(bytes, defaults, loaders' and chunking's versions) is unchanged since it last loaded cleanly is
not even read; an unchanged document is not chunked again. One transaction: a killed run
commits nothing.

A document's id is made from its file's path within the folder ingested (``manuals/a.md``), so
the folder can move or be cloned elsewhere and keep every id (the help center's links, learnt
phrasings and feedback refer to them): a file whose name was another file's, now gone, takes
its documents over. A name another file still holds grows by the folders above it
(``ja/faq.csv``); a file already in the KB keeps the ids it has.

Example:
    >>> report = ingest_paths(KBStore.for_dir("var/kb"), ["kb/sample_kb"])
    >>> report.counts.added, [str(p) for p in report.problems]
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from kotae.ingest.errors import Problem
from kotae.ingest.loaders import LOADERS, LOADERS_VERSION, Defaults, loader_for
from kotae.ingest.prepare import (
    Job,
    PreparedFile,
    Preparer,
    chunk_document,
    prepare_locally,
)
from kotae.kb import KBStore, SyncCounts, stable_hash
from kotae.kb.types import CHUNKING_VERSION

# Files in a folder that describe the folder rather than belong to the KB.
_IGNORED_NAMES = {"readme.md", "readme.txt", "readme", "license", "license.txt", "licence"}


@dataclass
class IngestReport:
    files: int = 0
    counts: SyncCounts = field(default_factory=SyncCounts)
    problems: list[Problem] = field(default_factory=list)
    loaded: list[str] = field(default_factory=list)  # files read (or unchanged) with no problem
    new_texts: list[str] = field(default_factory=list)  # dry run: the chunk texts to index
    moved: list[tuple[str, str]] = field(default_factory=list)  # (gone file, its new place)

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
                                        f"supported: {' '.join(LOADERS)}"))
        else:
            problems.append(Problem(str(path), "no such file or folder"))
    return list(dict.fromkeys(files)), problems


def _names(paths: Iterable[str | Path], files: Sequence[Path]) -> dict[Path, list[str]]:
    """What each file's documents' ids may be made from, shortest first: its path within the
    folder argument that holds it (a file argument: its name), then with each folder above.
    The full path is the last resort (``_id_name``)."""
    roots = sorted({p.resolve() for p in (Path(r).expanduser() for r in paths) if p.is_dir()},
                   key=lambda r: -len(r.parts))
    out: dict[Path, list[str]] = {}
    for f in files:
        within = next((len(f.relative_to(r).parts) for r in roots if f.is_relative_to(r)), 1)
        parts = f.parts[1:]  # not the root ("/")
        out[f] = ["/".join(parts[-n:]) for n in range(within, len(parts))]
    return out


def _id_name(store: KBStore, s: Session, source: str, names: Sequence[str],
             taken: dict[str, str], moved: list[tuple[str, str]]) -> str:
    """The name ``source``'s documents' ids are made from: the one they have; else its first
    name no other file holds (in the KB, or ``taken`` earlier in this run), taking over the
    documents of a file gone from that name (a moved folder); else "" (its full path)."""
    have = store.id_names(s, source)
    if have:
        return min(have)
    for name in names:
        if taken.get(name, source) != source:
            continue
        holders = store.sources_named(s, name) - {source}
        if any(_source_exists(h) for h in holders):
            continue
        for gone in sorted(holders):
            store.move_source(s, gone, source)
            moved.append((gone, source))
        taken[name] = source
        return name
    return ""


class _DryRun(Exception):
    """Raised inside the session of a dry run so that nothing is committed."""


def _source_exists(source: str) -> bool:
    """Files that are gone are pruned; sources kotae writes itself (``kotae:gaps``) are not
    files."""
    return source.startswith("kotae:") or Path(source).exists()


def fingerprint(path: Path, defaults: Defaults) -> str:
    """What decides a file's documents: its bytes (read in blocks), the batch defaults and the
    loaders' and chunking's versions. Unchanged fingerprint: the file is neither loaded nor
    chunked again."""
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    return stable_hash(digest, repr(defaults), LOADERS_VERSION, CHUNKING_VERSION, length=64)


def ingest_paths(
    store: KBStore,
    paths: Sequence[str | Path],
    defaults: Defaults | None = None,
    prune: bool = False,
    on_file: Callable[[Path], None] | None = None,
    files: Sequence[Path] | None = None,
    dry_run: bool = False,
    preparer: Preparer = prepare_locally,
) -> IngestReport:
    """Load every file under ``paths`` into ``store``; see the module docstring.

    With ``dry_run`` everything is loaded, compared and counted, then rolled back; the report's
    ``new_texts`` are the chunk texts that would be indexed. ``preparer`` loads and chunks the
    changed files (``ingest.ray_prepare.RayPreparer`` does it on a Ray cluster).
    """
    defaults = defaults or Defaults()
    report = IngestReport()
    if files is None:
        files, report.problems = discover(paths)
    try:
        with store.session() as s:
            jobs = _changed_files(store, s, _names(paths, files), defaults, report, on_file)
            for job, prepared in preparer(jobs, defaults):
                if on_file:
                    on_file(job.path)
                _sync_file(store, s, prepared, job.fingerprint, report, dry_run)
            if prune:
                report.counts += store.prune_sources(s, keep=_source_exists)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _changed_files(store: KBStore, s: Session, files: dict[Path, list[str]],
                   defaults: Defaults, report: IngestReport,
                   on_file: Callable[[Path], None] | None) -> list[Job]:
    """The files to prepare, with the names their ids are made from; unchanged ones (same
    fingerprint) are counted and skipped."""
    jobs: list[Job] = []
    taken: dict[str, str] = {}
    for path, names in files.items():
        source = str(path)
        try:
            print_ = fingerprint(path, defaults)
        except OSError as exc:
            report.problems.append(Problem(source, f"cannot read file ({exc.strerror or exc})"))
            continue
        if store.source_fingerprint(s, source) == print_:
            report.files += 1
            report.counts.unchanged += len(store.content_hashes(s, source))
            report.loaded.append(source)
            if on_file:
                on_file(path)
            continue
        name = _id_name(store, s, source, names, taken, report.moved)
        jobs.append(Job(path, name, print_, store.content_hashes(s, source)))
    return jobs


def _sync_file(store: KBStore, s: Session, prepared: PreparedFile, print_: str,
               report: IngestReport, dry_run: bool) -> None:
    source = str(prepared.path)
    report.problems.extend(prepared.problems)
    if prepared.failed:
        return
    report.files += 1
    if not prepared.items and prepared.problems:
        return  # nothing usable: what the file had in the KB stays
    if dry_run:
        report.new_texts += [c.indexed_text for _, chunks in prepared.items for c in chunks or []]
    report.counts += store.sync_source(s, source, prepared.items,
                                       remove_missing=not prepared.problems)
    store.set_source_fingerprint(s, source, None if prepared.problems else print_)
    if not prepared.problems:
        report.loaded.append(source)


__all__ = ["IngestReport", "chunk_document", "discover", "fingerprint", "ingest_paths"]
