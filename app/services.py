"""Wiring: the one place that puts ingest, the store, models and retrieval together."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kotae.app.settings import Settings
from kotae.ingest import Defaults, IngestReport, discover, ingest_paths
from kotae.ingest.prepare import Preparer, prepare_locally
from kotae.ingest.quarantine import Quarantine
from kotae.kb import KBError, KBStore, SnapshotDir, stable_hash
from kotae.models import JapaneseTokenizer, make_embedder
from kotae.retrieval import BuildResult, Searcher, build_snapshot
from kotae.retrieval.protocols import Embedder


class IngestBusy(KBError):
    def __init__(self, kb_dir: Path) -> None:
        super().__init__(f"another ingest is running on {kb_dir}; wait for it to finish")


@dataclass
class IngestOutcome:
    """What an ingest did; a dry run has no ``build`` but says how much it ``would_embed``."""

    report: IngestReport
    build: BuildResult | None
    would_embed: int = 0


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


def store_for(settings: Settings) -> KBStore:
    """The SQL store: ``KOTAE_DATABASE_URL`` (PostgreSQL) or the SQLite file in the KB dir."""
    if settings.database_url:
        return KBStore(settings.database_url)
    return KBStore.for_dir(settings.home)


def ray_embedder(inner: Embedder, address: str | None, settings: Settings) -> Embedder:
    """``inner``'s embedder, run on a Ray cluster (``address``; "local" starts one here)."""
    from kotae.models.ray_embedder import RayEmbedder

    return RayEmbedder(settings.embedder, settings.embedder_model, expected_id=inner.id,
                       address=None if address in (None, "", "local") else address)


def run_ingest(settings: Settings, paths: Sequence[str | Path], defaults: Defaults | None = None,
               prune: bool = False, rebuild: bool = False,
               progress: IngestProgress | None = None,
               embedder: Embedder | None = None, dry_run: bool = False,
               ray_address: str | None = None) -> IngestOutcome:
    """Load ``paths`` into the KB and publish a new snapshot if anything changed.

    ``dry_run`` loads and compares but changes nothing (the store is rolled back, no snapshot,
    no quarantine update). ``ray_address`` embeds on a Ray cluster ("local": one started here).
    """
    progress = progress or IngestProgress()
    with ingest_lock(settings.home):
        store = store_for(settings)
        files, problems = discover(paths)
        if progress.on_files:
            progress.on_files(len(files))
        preparer: Preparer = prepare_locally
        if ray_address is not None:  # loading and chunking on Ray too, not only embedding
            from kotae.ingest.ray_prepare import RayPreparer

            preparer = RayPreparer(None if ray_address in ("", "local") else ray_address)
        report = ingest_paths(store, paths, defaults, prune=prune, on_file=progress.on_file,
                              files=files, dry_run=dry_run, preparer=preparer)
        report.problems[:0] = problems
        embedder = embedder or embedder_for(settings)
        if dry_run:
            hashes = {stable_hash(t, length=32) for t in report.new_texts}
            cached = store.get_embeddings(embedder.id, hashes)
            return IngestOutcome(report, None, would_embed=len(hashes) - len(cached))
        Quarantine(settings.home).update(report.problems, report.loaded)
        if ray_address is not None:
            embedder = ray_embedder(embedder, ray_address, settings)
        build = build_snapshot(store, SnapshotDir(settings.home), embedder,
                               tokenizer_for(settings), index_type=settings.index_type,
                               on_embed=progress.on_embed, force=rebuild)
    return IngestOutcome(report, build)


def open_searcher(settings: Settings, embedder: Embedder | None = None) -> Searcher:
    return Searcher(settings.home, embedder or embedder_for(settings), tokenizer_for(settings))


def publish_store_change(settings: Settings, embedder: Embedder | None = None) -> BuildResult:
    """Publish a new snapshot after a direct change to the store (an accepted FAQ draft, say).

    Only the new text is embedded; ``IngestBusy`` while an ingest holds the KB.
    """
    with ingest_lock(settings.home):
        return build_snapshot(store_for(settings), SnapshotDir(settings.home),
                              embedder or embedder_for(settings), tokenizer_for(settings),
                              index_type=settings.index_type)
