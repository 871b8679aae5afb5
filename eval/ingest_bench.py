"""The ingestion benchmark: documents/s and tokens/s, and the embedder's share of the time.

Always ingests into a fresh, empty KB (a reused one would have every embedding cached and
measure nothing), through the normal pipeline (ingest, then index build).

Example:
    >>> bench = run_ingest_bench([Path("kb/sample_kb")], KBSettings())
    >>> bench.metrics["docs_per_s"], bench.metrics["embed_share"]
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kotae.eval.embedders import MeteredEmbedder
from kotae.eval.errors import EvalError
from kotae.kb import KBStore
from kotae.kb.settings import KBSettings
from kotae.knowledge_base import IngestProgress, open_kb
from kotae.retrieval.protocols import Embedder

Progress = Callable[[str, int, int], None]


@dataclass
class IngestBench:
    metrics: dict[str, float] = field(default_factory=dict)
    embedder: str = ""
    problems: list[str] = field(default_factory=list)


def count_tokens(kb_dir: Path, embedder: MeteredEmbedder) -> tuple[int, int]:
    """(tokens, characters) of everything the embedder saw; tokens fall back to characters
    when the embedder cannot count them."""
    tokens = chars = 0
    for chunk, _doc in KBStore.for_dir(kb_dir).iter_chunks_with_documents():
        text = chunk.indexed_text
        chars += len(text)
        counted = embedder.token_count(text)
        tokens += counted if counted is not None else len(text)
    return tokens, chars


def run_ingest_bench(paths: Sequence[Path], settings: KBSettings | None = None,
                     embedder: Embedder | None = None, keep: Path | None = None,
                     on_progress: Progress | None = None) -> IngestBench:
    """Ingest ``paths`` into a new KB (``keep`` to keep it there) and time it."""
    settings = settings or KBSettings()
    metered = MeteredEmbedder(embedder or open_kb(settings).embedder)
    metered.embed_query("warm up")  # model loading is not ingestion
    kb_dir = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="kotae-ingest-bench-"))
    if keep and any(kb_dir.iterdir() if kb_dir.exists() else []):
        raise ValueError(f"{kb_dir} is not empty; the benchmark needs an empty KB directory")
    progress = IngestProgress(on_embed=(lambda d, t: on_progress("embed", d, t))
                              if on_progress else None)
    try:
        start = time.perf_counter()
        kb = open_kb(settings.model_copy(update={"home": kb_dir}), embedder=metered)
        outcome = kb.ingest(list(paths), progress=progress)
        seconds = time.perf_counter() - start
        tokens, chars = count_tokens(kb_dir, metered)
    finally:
        if not keep:
            shutil.rmtree(kb_dir, ignore_errors=True)
    if outcome.build is None:
        raise EvalError("the ingest built no index (was it a dry run?)")
    manifest = outcome.build.manifest
    embed = metered.passage_seconds
    bench = IngestBench(embedder=metered.id, problems=[str(p) for p in outcome.report.problems])
    bench.metrics = {
        "documents": float(manifest.documents), "chunks": float(manifest.chunks),
        "tokens": float(tokens), "characters": float(chars), "seconds": seconds,
        "embed_seconds": embed, "embed_share": embed / seconds if seconds else 0.0,
        "docs_per_s": manifest.documents / seconds if seconds else 0.0,
        "chunks_per_s": manifest.chunks / seconds if seconds else 0.0,
        "tokens_per_s": tokens / seconds if seconds else 0.0,
        "embed_tokens_per_s": tokens / embed if embed else 0.0,
    }
    return bench
