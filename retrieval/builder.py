"""Build a snapshot from the store: embed new chunks, build both indexes, publish atomically.

Vectors come from the store's embedding cache when the same text was embedded before by the same
embedder; only new text is embedded, and each embedded batch is cached at once, so an
interrupted build loses no embedding work.

Example:
    >>> result = build_snapshot(store, SnapshotDir("var/kb"), embedder, tokenizer)
    >>> result.published, result.embedded
"""

from __future__ import annotations

import io
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain, islice
from pathlib import Path

import numpy as np

from kotae.kb import Chunk, Document, KBStore, Kind, SnapshotDir, stable_hash
from kotae.kb.audience import customer_may_read
from kotae.kb.phrasings import PhrasingStore
from kotae.kb.store import QUERY_VECTORS
from kotae.retrieval.dense import DenseIndex, resolve_index_type
from kotae.retrieval.lexical import BM25Index
from kotae.retrieval.manifest import Manifest
from kotae.retrieval.protocols import Embedder, Tokenizer
from kotae.retrieval.rerank.docs import FOLDER as RERANK_FOLDER
from kotae.retrieval.rerank.docs import SENTENCES_FILE, DocTable
from kotae.retrieval.router import ROUTER_FILE, QuestionRouter

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class BuildResult:
    manifest: Manifest
    published: bool
    embedded: int
    reused: int


# Bumped when a snapshot's files change shape, so that the next ingest rebuilds the snapshot
# (from cached embeddings) instead of keeping one this version reads differently.
# 2: the question router keeps its phrasings' embeddings.
# 3: the reading index (``reading/``: BM25 over character n-grams of the folded reading) and
#    the KB's spellings by reading (``written.json``, for queries typed in hiragana).
# 4: the second stage's document data (rerank/: titles embedded as queries, field terms).
# 5: the synonym index (``synonyms/``: BM25 over the synonym groups of the content words).
# 6: ``written.json`` also holds the kanji compounds the analysis splits (市役所: 市 + 役所).
# 7: ``written.json`` also holds the KB's kanji runs and words, for a kanji left out of one.
SNAPSHOT_FORMAT = "7"
READING_DIR = "reading"
SYNONYM_DIR = "synonyms"
WRITTEN_FILE = "written.json"


def build_snapshot(
    store: KBStore,
    snapshots: SnapshotDir,
    embedder: Embedder,
    tokenizer: Tokenizer,
    index_type: str = "auto",
    on_embed: Progress | None = None,
    force: bool = False,
    embed_batch: int = 64,
) -> BuildResult:
    """Publish a snapshot of everything in ``store`` unless the serving one is identical.

    The store is read in several streamed passes, each part written to the snapshot as soon
    as it is built and let go of, so that memory stays bounded by the largest index (not by
    every row, token and vector of the KB at once: at 100,000 chunks that took 10+ GB)."""
    def pairs() -> Iterator[tuple[Chunk, Document]]:
        return store.iter_chunks_with_documents()

    def documents() -> Iterator[Document]:  # each once, in the order of ``pairs``
        last = None
        for _, doc in pairs():
            if doc.id != last:
                last = doc.id
                yield doc

    def texts(public_only: bool = False) -> Iterator[str]:
        return (c.indexed_text for c, d in pairs() if not public_only or customer_may_read(d))

    keys: list[str] = []
    kinds: Counter[str] = Counter()
    doc_ids: set[str] = set()
    for c, d in pairs():
        keys.append(f"{c.id}:{d.content_hash}")
        kinds[d.kind.value] += 1
        doc_ids.add(d.id)
    chunks = len(keys)
    index_type = resolve_index_type(index_type, chunks)  # "auto": by the KB's size
    learnt = PhrasingStore(store).approved()  # phrasings learnt from use, approved
    fingerprint = stable_hash(SNAPSHOT_FORMAT, embedder.id, tokenizer.id, tokenizer.reading_id,
                              tokenizer.synonym_id, index_type,
                              *(f"{d}:{t}" for d, t in learnt), *keys, length=32)
    del keys
    current = snapshots.current()
    if current is not None and not force:
        try:
            previous = Manifest.read(current)
            previous.check_files(current)
        except Exception:  # a corrupt snapshot is replaced, not trusted
            previous = None
        if previous and previous.fingerprint == fingerprint:
            return BuildResult(previous, published=False, embedded=0, reused=chunks)

    labels, phrasings = router_examples(documents(), learnt)
    # The second stage's sentences are embedded with the chunks (one progress bar, one
    # cache), its titles as queries.
    passages = _embed_missing(
        store, embedder.id, embedder.embed_passages,
        lambda: chain(texts(), phrasings, DocTable.sentence_texts(documents())),
        on_embed, embed_batch)
    _embed_missing(store, f"{embedder.id}{QUERY_VECTORS}", embedder.embed_queries,
                   lambda: DocTable.title_texts(documents()), None, embed_batch)
    manifest = Manifest(
        embedder=embedder.id, dim=embedder.dim, tokenizer=tokenizer.id, index_type=index_type,
        documents=len(doc_ids), chunks=chunks, by_kind=dict(kinds), fingerprint=fingerprint,
        router_entries=0, router_phrasings=len(phrasings), reading=tokenizer.reading_id,
        synonyms=tokenizer.synonym_id, built_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    with snapshots.publish() as folder:
        with open(folder / "rows.jsonl", "w", encoding="utf-8") as fh:
            for c, d in pairs():
                fh.write(json.dumps(_row(c, d), ensure_ascii=False) + "\n")
        router = QuestionRouter.fit(labels, _read_vectors(
            store, embedder.id, phrasings, len(phrasings), embedder.dim)) if labels else None
        if router is not None:  # None too with fewer than two entries
            router.save(folder / ROUTER_FILE)
            manifest.router_entries = len(router)
        del router
        dense = DenseIndex.build(_read_vectors(store, embedder.id, texts(), chunks,
                                               embedder.dim), index_type)
        dense.save(folder / "dense.faiss")
        del dense
        for name, terms in (("bm25", tokenizer.tokens), (READING_DIR, tokenizer.reading_terms),
                            (SYNONYM_DIR, tokenizer.synonym_terms)):
            lexical = BM25Index.build(terms(t) for t in texts())
            (folder / name).mkdir()
            lexical.save(folder / name)
            del lexical
        # Spellings are learnt from what customers may read only: how a query is rewritten
        # must not depend on words that only internal articles or tickets use.
        tokenizer.learn_spellings(texts(public_only=True)).save(folder / WRITTEN_FILE)
        rerank = folder / RERANK_FOLDER
        rerank.mkdir()
        DocTable.write(
            rerank, documents(),
            _read_vectors(store, f"{embedder.id}{QUERY_VECTORS}",
                          DocTable.title_texts(documents()), len(doc_ids), embedder.dim),
            _write_vectors(store, embedder.id, DocTable.sentence_texts(documents()),
                           embedder.dim, rerank / SENTENCES_FILE), tokenizer)
        manifest.record_files(folder)
        manifest.write(folder)
    log.info("snapshot published", extra={"chunks": chunks, "embedded": passages.embedded})
    return BuildResult(manifest, published=True, embedded=passages.embedded,
                       reused=passages.total - passages.embedded)


def router_examples(docs: Iterable[Document], learnt: Sequence[tuple[str, str]] = ()
                    ) -> tuple[list[str], list[str]]:
    """(entry id, phrasing) pairs that train the question router: every FAQ entry's question
    and its variants, and the phrasings learnt from use (``learnt``: document id, wording;
    an article with some is a class too, its title as its first phrasing). None at all unless
    some entry has variants or learnt phrasings (a router that has seen one phrasing per entry
    only repeats the dense arm). Tickets are never a class. ``docs`` is read once, in order;
    only each class's phrasings are kept."""
    extra: dict[str, list[str]] = {}
    for doc_id, text in learnt:
        extra.setdefault(doc_id, []).append(text)
    classes: dict[str, list[str]] = {}  # a phrasing of a document removed since is dropped
    varied = False
    for doc in docs:
        if doc.kind is Kind.TICKET or doc.id in classes:
            continue
        if doc.kind is Kind.FAQ or doc.id in extra:
            variants = doc.meta.get("variants", [])
            varied = varied or bool(variants and doc.kind is Kind.FAQ)
            classes[doc.id] = [doc.question or doc.title, *variants, *extra.get(doc.id, [])]
    if not varied and not any(doc_id in extra for doc_id in classes):
        return [], []
    labels: list[str] = []
    phrasings: list[str] = []
    for doc_id, texts in classes.items():
        for text in dict.fromkeys(t.strip() for t in texts):
            if text:
                labels.append(doc_id)
                phrasings.append(text)
    return labels, phrasings


def _row(chunk: Chunk, doc: Document) -> dict[str, object]:
    """What ``rows.jsonl`` says of a chunk: all a hit shows without opening the store."""
    return {"chunk_id": chunk.id, "doc_id": doc.id, "title": doc.title, "heading": chunk.heading,
            "text": chunk.text, "url": doc.url, "kind": doc.kind.value,
            "visibility": doc.visibility.value, "language": doc.language,
            "product": doc.product, "category": doc.category, "updated_at": doc.updated_at}


def _batched(items: Iterable[str], size: int) -> Iterator[list[str]]:
    """``items`` in lists of ``size`` (the last one shorter); itertools.batched from 3.12."""
    it = iter(items)
    while part := list(islice(it, size)):
        yield part


@dataclass(frozen=True)
class _Embedded:
    total: int  # texts asked for (repeats included)
    embedded: int  # of them, newly embedded


def _embed_missing(store: KBStore, cache_id: str, embed: Callable[[list[str]], np.ndarray],
                   texts: Callable[[], Iterable[str]], on_embed: Progress | None,
                   batch: int, block: int = 8192) -> _Embedded:
    """Embed the texts the cache has no vector for, a batch at a time, caching each batch at
    once (an interrupted build loses no embedding work). ``texts`` makes the stream; only the
    missing texts are held, and only while they are embedded."""
    todo: dict[str, str] = {}
    total = 0
    for part in _batched(texts(), block):
        total += len(part)
        hashes = [stable_hash(t, length=32) for t in part]
        have = store.cached_hashes(cache_id, hashes)
        todo.update((h, t) for h, t in zip(hashes, part, strict=True) if h not in have)
    items = list(todo.items())
    del todo
    if on_embed:
        on_embed(0, len(items))
    for start in range(0, len(items), batch):
        chunk = items[start:start + batch]
        vecs = embed([t for _, t in chunk])
        store.put_embeddings(cache_id, {h: v for (h, _), v in zip(chunk, vecs, strict=True)})
        if on_embed:
            on_embed(min(start + batch, len(items)), len(items))
    return _Embedded(total, len(items))


def _vector_blocks(store: KBStore, cache_id: str, texts: Iterable[str], dim: int,
                   block: int = 8192) -> Iterator[np.ndarray]:
    """The cached vectors of ``texts``, in order, ``block`` rows at a time."""
    for part in _batched(texts, block):
        hashes = [stable_hash(t, length=32) for t in part]
        cached = store.get_embeddings(cache_id, hashes)
        missing = len(set(hashes) - cached.keys())
        if missing:
            raise RuntimeError(f"{missing} vectors of {cache_id} are not in the cache: the "
                               "store changed during the build (build again)")
        yield np.stack([cached[h] for h in hashes]).astype(np.float32).reshape(-1, dim)


def _read_vectors(store: KBStore, cache_id: str, texts: Iterable[str], rows: int,
                  dim: int) -> np.ndarray:
    """The cached vectors of ``texts`` (``rows`` of them) as one (rows, dim) matrix, filled a
    block at a time (never a second copy of it)."""
    out = np.empty((rows, dim), np.float32)
    row = 0
    for part in _vector_blocks(store, cache_id, texts, dim):
        out[row:row + len(part)] = part
        row += len(part)
    if row != rows:
        raise RuntimeError(f"expected {rows} vectors of {cache_id}, read {row}: the store "
                           "changed during the build (build again)")
    return out


def _write_vectors(store: KBStore, cache_id: str, texts: Iterable[str], dim: int,
                   path: Path) -> np.ndarray:
    """The cached vectors of ``texts`` written to the ``.npy`` file ``path`` a block at a
    time; returns the file memory-mapped (read-only). The header is written again with the
    row count at the end (its length does not change: it is padded to 64 bytes)."""
    def header(rows: int) -> bytes:
        out = io.BytesIO()
        np.lib.format.write_array_header_1_0(out, {
            "descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)),
            "fortran_order": False, "shape": (rows, dim)})
        return out.getvalue()

    rows = 0
    with open(path, "wb") as fh:
        fh.write(header(0))
        for part in _vector_blocks(store, cache_id, texts, dim):
            fh.write(part.tobytes())
            rows += len(part)
        final = header(rows)
        if len(final) != len(header(0)):
            raise RuntimeError("npy header length changed")  # only past 10^40 rows
        fh.seek(0)
        fh.write(final)
    return np.load(path, mmap_mode="r")
