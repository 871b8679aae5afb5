"""Wiring: the one place that puts ingest, the store, models and retrieval together."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.settings import Settings
from ingest import Defaults, IngestReport, discover, ingest_paths
from kb import KBError, KBStore, SnapshotDir
from models import JapaneseTokenizer, make_embedder
from retrieval import BuildResult, Searcher, build_snapshot
from retrieval.protocols import Embedder


class IngestBusy(KBError):
    def __init__(self, kb_dir: Path) -> None:
        super().__init__(f"another ingest is running on {kb_dir}; wait for it to finish")


@dataclass
class IngestOutcome:
    report: IngestReport
    build: BuildResult


@dataclass
class IngestProgress:
    """Callbacks for a progress display: files read, then passages embedded."""

    on_files: Callable[[int], None] | None = None
    on_file: Callable[[Path], None] | None = None
    on_embed: Callable[[int, int], None] | None = None


def embedder_for(settings: Settings) -> Embedder:
    return make_embedder(settings.embedder, settings.embedder_model)


def tokenizer_for(settings: Settings) -> JapaneseTokenizer:
    return JapaneseTokenizer(mode=settings.sudachi_mode)


@contextmanager
def ingest_lock(kb_dir: Path) -> Iterator[None]:
    kb_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(kb_dir / ".ingest.lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IngestBusy(kb_dir) from None
        yield
    finally:
        os.close(fd)


def run_ingest(settings: Settings, paths: Sequence[str | Path], defaults: Defaults | None = None,
               prune: bool = False, rebuild: bool = False,
               progress: IngestProgress | None = None,
               embedder: Embedder | None = None) -> IngestOutcome:
    """Load ``paths`` into the KB and publish a new snapshot if anything changed."""
    progress = progress or IngestProgress()
    with ingest_lock(settings.home):
        store = KBStore.for_dir(settings.home)
        files, problems = discover(paths)
        if progress.on_files:
            progress.on_files(len(files))
        report = ingest_paths(store, paths, defaults, prune=prune, on_file=progress.on_file,
                              files=files)
        report.problems[:0] = problems
        build = build_snapshot(store, SnapshotDir(settings.home),
                               embedder or embedder_for(settings),
                               tokenizer_for(settings), index_type=settings.index_type,
                               on_embed=progress.on_embed, force=rebuild)
    return IngestOutcome(report, build)


def open_searcher(settings: Settings, embedder: Embedder | None = None) -> Searcher:
    return Searcher(settings.home, embedder or embedder_for(settings), tokenizer_for(settings))
