"""Throw-away KBs for evaluation, built straight from the packages below (eval never imports
app): the KB-related settings as a small value, an ingest that publishes, and a searcher.

Example:
    >>> config = KBConfig(home=Path("/tmp/kb"))
    >>> outcome = run_ingest(config, [Path("corpus")])
    >>> searcher = open_searcher(config)
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kotae.ingest import Defaults, IngestReport, discover, ingest_paths
from kotae.kb import KBStore, SnapshotDir
from kotae.models import JapaneseTokenizer, make_embedder
from kotae.retrieval import BuildResult, Searcher, build_snapshot
from kotae.retrieval.protocols import Embedder


def _env(name: str, default: str) -> str:
    return os.environ.get(f"KOTAE_{name}", default)


@dataclass(frozen=True)
class KBConfig:
    """The settings that decide how a KB is built and searched (``KOTAE_*`` as defaults)."""

    home: Path = dataclasses.field(default_factory=lambda: Path(_env("HOME", "var/kb")))
    embedder: str = dataclasses.field(default_factory=lambda: _env("EMBEDDER", "e5-small"))
    embedder_model: str | None = dataclasses.field(
        default_factory=lambda: os.environ.get("KOTAE_EMBEDDER_MODEL"))
    index_type: str = dataclasses.field(default_factory=lambda: _env("INDEX_TYPE", "flat"))
    sudachi_mode: str = dataclasses.field(default_factory=lambda: _env("SUDACHI_MODE", "A"))

    def model_copy(self, update: dict[str, Any]) -> KBConfig:
        """A copy with some fields changed (the same call as on the app's settings)."""
        return dataclasses.replace(self, **update)


@dataclass
class IngestProgress:
    on_embed: Callable[[int, int], None] | None = None


@dataclass
class IngestOutcome:
    report: IngestReport
    build: BuildResult


def embedder_for(config: KBConfig) -> Embedder:
    return make_embedder(config.embedder, config.embedder_model)


def tokenizer_for(config: KBConfig) -> JapaneseTokenizer:
    return JapaneseTokenizer(mode=config.sudachi_mode)


def run_ingest(config: KBConfig, paths: Sequence[str | Path], prune: bool = False,
               progress: IngestProgress | None = None,
               embedder: Embedder | None = None) -> IngestOutcome:
    """Load ``paths`` into the KB at ``config.home`` and publish its index if anything changed."""
    home = Path(config.home)
    home.mkdir(parents=True, exist_ok=True)
    store = KBStore.for_dir(home)
    files, problems = discover(paths)
    report = ingest_paths(store, paths, Defaults(), prune=prune, files=files)
    report.problems[:0] = problems
    build = build_snapshot(store, SnapshotDir(home), embedder or embedder_for(config),
                           tokenizer_for(config), index_type=config.index_type,
                           on_embed=progress.on_embed if progress else None)
    return IngestOutcome(report, build)


def open_searcher(config: KBConfig, embedder: Embedder | None = None) -> Searcher:
    return Searcher(config.home, embedder or embedder_for(config), tokenizer_for(config))


def publish_store_change(config: KBConfig, embedder: Embedder | None = None) -> BuildResult:
    """Publish a new snapshot after a direct change to the store (only new text is embedded)."""
    return build_snapshot(KBStore.for_dir(config.home), SnapshotDir(config.home),
                          embedder or embedder_for(config), tokenizer_for(config),
                          index_type=config.index_type)
