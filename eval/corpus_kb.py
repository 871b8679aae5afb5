"""Put a BEIR corpus into a kotae KB, and map kotae's document ids back to corpus ids.

The corpus is written as FAQ CSV files (``id,question,answer``: title → question, text →
answer) into ``<kb>/source/`` and ingested with the normal pipeline, so the evaluated KB is
built exactly as a user's would be. The KB store caches embeddings by text hash: re-running on
the same KB directory (``--kb`` or the default cache folder derived from the corpus fingerprint)
embeds nothing again, and an interrupted run keeps what it had embedded.

An evaluated KB holds its corpus once. A KB folder copied elsewhere (to try a setting on a copy)
still lists the corpus files of the folder it was copied from; those documents are removed
before the copy's own files are ingested, or every entry would be found twice and each top hit's
runner-up would be its own duplicate.

Example:
    >>> kb = prepare_kb(read_beir("localgovfaq-beir"), default_kb_dir(data), settings)
    >>> kb.to_corpus["3f2a9c0d1e2b4a5c"]
    '71'
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kotae.eval.beir import BeirDataset
from kotae.eval.errors import DatasetError, EvalError
from kotae.kb import KBStore, normalise_text
from kotae.kb.settings import KBSettings, ToolSettings
from kotae.knowledge_base import IngestProgress, open_kb
from kotae.retrieval import BuildResult
from kotae.retrieval.protocols import Embedder

ROWS_PER_FILE = 5000  # keeps each CSV far below the loader's 50 MB limit
UNKNOWN_PREFIX = "kotae:"  # documents of the KB that are not from the corpus
CORPUS_FILES = "corpus-*.csv"  # the files ``write_corpus_csv`` writes into a KB's source folder

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class CorpusKB:
    """A KB directory holding a corpus, with kotae doc id → corpus id."""

    kb_dir: Path
    to_corpus: dict[str, str]
    build: BuildResult
    seconds: float

    def corpus_id(self, doc_id: str) -> str:
        return self.to_corpus.get(doc_id, UNKNOWN_PREFIX + doc_id)


def default_kb_dir(data: BeirDataset) -> Path:
    """``$KOTAE_EVAL_CACHE`` (default ``~/.cache/kotae/eval``) / ``<name>-<corpus fingerprint>``."""
    base = ToolSettings().eval_cache or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kotae" / "eval"
    return Path(base) / f"{data.name or 'dataset'}-{data.corpus_fingerprint}"


def query_vector_file(kb_dir: Path) -> Path:
    """Where the eval harness keeps the query vectors it computed on a KB (``QueryVectorFile``;
    a perturbed copy of a query set is evaluated on the clean set's KB, so they meet there)."""
    return Path(kb_dir) / "eval-query-vectors.sqlite"


def _faq_row(doc_id: str, title: str, text: str) -> list[str] | None:
    title, text = title.strip(), text.strip()
    if not title and not text:
        return None
    # The FAQ loader needs both fields: a missing title is the text's first line (shortened).
    question = title or text.splitlines()[0][:80]
    return [doc_id, question, text or title]


def write_corpus_csv(data: BeirDataset, folder: Path) -> dict[str, str]:
    """Write the corpus as FAQ CSV files; returns normalised id → corpus id."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(CORPUS_FILES):
        old.unlink()
    back: dict[str, str] = {}
    rows: list[list[str]] = []
    for doc_id, (title, text) in data.corpus.items():
        key = normalise_text(doc_id)
        if key in back:
            raise DatasetError(f"corpus ids {back[key]!r} and {doc_id!r} are the same after "
                               "Unicode normalisation; make the ids distinct")
        row = _faq_row(key, title, text)
        if row is not None:
            back[key] = doc_id
            rows.append([*row, "\n".join(data.variants.get(doc_id, []))])
    for n, start in enumerate(range(0, len(rows), ROWS_PER_FILE)):
        with open(folder / f"corpus-{n:03d}.csv", "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "question", "answer", "variants"])
            writer.writerows(rows[start:start + ROWS_PER_FILE])
    return back


def corpus_id_map(kb_dir: Path, back: dict[str, str]) -> dict[str, str]:
    """kotae doc id → corpus id, from the FAQ ids (``meta['faq_id']``) kept in the KB store."""
    out: dict[str, str] = {}
    for _chunk, doc in KBStore.for_dir(kb_dir).iter_chunks_with_documents():
        faq_id = doc.meta.get("faq_id")
        if faq_id in back:
            out[doc.id] = back[faq_id]
    return out


def drop_copied_sources(kb_dir: Path, own: Path) -> int:
    """Remove the documents of corpus files (``CORPUS_FILES`` in a ``source`` folder) outside
    ``own`` that still exist: those of the eval KB ``kb_dir`` was copied from; returns how many.
    Documents from any other file (a team's own KB given as ``--kb``) are never touched. A
    corpus file that is gone is left to the ingest, which moves it to its new place (a moved
    KB keeps its document ids)."""
    own = own.resolve()

    def copied(src: str) -> bool:
        path = Path(src)
        return (path.parent.name == own.name and path.match(CORPUS_FILES)
                and path.parent.resolve() != own and path.exists())

    store = KBStore.for_dir(kb_dir)
    try:
        with store.session() as s:
            return store.prune_sources(s, keep=lambda src: not copied(src)).removed
    finally:
        store.engine.dispose()


def prepare_kb(data: BeirDataset, kb_dir: Path, settings: KBSettings | None = None,
               embedder: Embedder | None = None, on_progress: Progress | None = None) -> CorpusKB:
    """Ingest ``data.corpus`` into ``kb_dir`` (a no-op when it is already there)."""
    kb_dir = Path(kb_dir)
    settings = (settings or KBSettings()).model_copy(update={"home": kb_dir})
    back = write_corpus_csv(data, kb_dir / "source")
    drop_copied_sources(kb_dir, kb_dir / "source")
    progress = IngestProgress(
        on_embed=(lambda done, total: on_progress("embed corpus", done, total))
        if on_progress else None)
    start = time.perf_counter()
    outcome = open_kb(settings, embedder=embedder).ingest([kb_dir / "source"], prune=True,
                                                          progress=progress)
    seconds = time.perf_counter() - start
    if outcome.report.problems:
        first = outcome.report.problems[0]
        raise DatasetError(f"{len(outcome.report.problems)} corpus rows could not be ingested; "
                           f"first: {first}")
    if outcome.build is None:  # only a dry run has no build
        raise EvalError(f"ingest into {kb_dir} built no index")
    return CorpusKB(kb_dir, corpus_id_map(kb_dir, back), outcome.build, seconds)
