"""A large KB made from a small one, for measuring speed and memory at a size nobody ships.

``kotae eval latency --chunks 100000`` needs a KB of 100,000 chunks; embedding that many texts
takes hours on a laptop. So the documents of a real, ingested KB are copied, round after round,
until the copy holds the asked number of chunks: each copy keeps its source's body, kind and
visibility, and its title carries the round's number (「請求書を作成する（12）」), so every
chunk is a text of its own. Its vectors are the source's, each with Gaussian noise (σ 0.03 per
dimension, renormalised; as ``bench/ann_recall.py``): many near neighbours, as in a KB of
similar articles. They are put in the copy's embedding cache beside the source's sentence
vectors, so the normal build (``build_snapshot``) embeds nothing and every index, file and
snapshot is the real thing.

The copy is kept in its folder with a ``synthetic.json`` saying what it was made from; asked
again with the same source and size, it is reused as it is.

Example:
    >>> folder = make_synthetic_kb(Path("var/kb"), Path("var/kb-100000"), 100_000)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from kotae.eval.errors import DatasetError
from kotae.kb import Chunk, Document, KBStore, SnapshotDir, stable_hash
from kotae.kb.settings import KBSettings
from kotae.kb.store import QUERY_VECTORS
from kotae.retrieval import build_snapshot
from kotae.retrieval.rerank.docs import DocTable, doc_title

MARKER = "synthetic.json"
NOISE = 0.03
BLOCK = 5000  # documents written, and vectors cached, at a time

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def _documents(store: KBStore) -> list[tuple[Document, list[Chunk]]]:
    out: list[tuple[Document, list[Chunk]]] = []
    for chunk, doc in store.iter_chunks_with_documents():
        if not out or out[-1][0].id != doc.id:
            out.append((doc, []))
        out[-1][1].append(chunk)
    return out


def _noisy(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = vectors + rng.normal(0.0, NOISE, vectors.shape).astype(np.float32)
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def _copies(sources: list[tuple[Document, list[Chunk]]], chunks: int
            ) -> Iterator[tuple[Document, list[Chunk], Document, list[Chunk]]]:
    """(copy, its chunks, source, the source's chunks) until there are ``chunks`` chunks."""
    made, round_no = 0, 0
    while made < chunks:
        round_no += 1
        tag = f"（{round_no}）"
        for doc, own in sources:
            if made >= chunks:
                return
            own = own[:chunks - made]
            copy = replace(doc, id=stable_hash(doc.id, str(round_no)),
                           source=f"synthetic/{round_no}/{doc.source}", title=doc.title + tag,
                           question=doc.question + tag if doc.question else doc.question)
            # A chunk's heading path starts with its document's title (``ingest.chunk``):
            # the copy's title makes each chunk a text of its own.
            new = [Chunk.create(copy.id, c.ordinal, c.text,
                                copy.title + c.heading.removeprefix(doc.title))
                   for c in own]
            made += len(new)
            yield copy, new, doc, own


def make_synthetic_kb(source: Path, target: Path, chunks: int, settings: KBSettings | None = None,
                      on_progress: Progress | None = None, seed: int = 0) -> Path:
    """A KB of ``chunks`` chunks in ``target``, copied from the KB in ``source`` (see the
    module's docstring); reused when ``target`` was already made from it at that size."""
    from kotae.knowledge_base import open_kb

    settings = (settings or KBSettings()).model_copy(update={"home": source})
    src = open_kb(settings)
    src_store = src.store
    embedder = src.embedder
    want = {"source": str(source.resolve()), "chunks": chunks, "embedder": embedder.id,
            "source_fingerprint": src.searcher.warm_up().fingerprint}
    marker = target / MARKER
    if (marker.exists() and SnapshotDir(target).current() is not None
            and json.loads(marker.read_text(encoding="utf-8")) == want):
        return target
    if target.exists() and any(target.iterdir()):
        if not marker.exists():
            raise DatasetError(f"{target} is not empty and was not made by this command; "
                               "give an empty or new folder")
        if json.loads(marker.read_text(encoding="utf-8")).get("unfinished"):
            raise DatasetError(f"{target} was not finished (interrupted?); remove it first")
        raise DatasetError(f"{target} was made from another KB or size; remove it first")
    sources = _documents(src_store)
    if not sources:
        raise DatasetError(f"{source} has no chunks; ingest something first")
    target.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({**want, "unfinished": True}, ensure_ascii=False, indent=1)
                      + "\n", encoding="utf-8")
    store = KBStore.for_dir(target)
    rng = np.random.default_rng(seed)
    query_cache = f"{embedder.id}{QUERY_VECTORS}"
    # The sentences' vectors are shared: a copy's body is its source's.
    sentences = list(dict.fromkeys(DocTable.sentence_texts(d for d, _ in sources)))
    for start in range(0, len(sentences), BLOCK):
        hashes = [stable_hash(t, length=32) for t in sentences[start:start + BLOCK]]
        store.put_embeddings(embedder.id, src_store.get_embeddings(embedder.id, hashes))
    batch: list[tuple[Document, list[Chunk], Document, list[Chunk]]] = []
    done = 0

    def flush() -> None:
        nonlocal done
        src_chunks = [stable_hash(c.indexed_text, length=32) for *_, own in batch for c in own]
        src_titles = [stable_hash(doc_title(doc), length=32) for _, _, doc, _ in batch]
        chunk_vectors = src_store.get_embeddings(embedder.id, src_chunks)
        title_vectors = src_store.get_embeddings(query_cache, src_titles)
        if len(chunk_vectors) < len(set(src_chunks)) or len(title_vectors) < len(set(src_titles)):
            raise DatasetError(f"{source}'s embedding cache lacks some of its own vectors; "
                               "run `kotae ingest` on it again first")
        new_chunks = [c for _, new, _, _ in batch for c in new]
        store.put_embeddings(embedder.id, dict(zip(
            [stable_hash(c.indexed_text, length=32) for c in new_chunks],
            _noisy(np.stack([chunk_vectors[h] for h in src_chunks]), rng), strict=True)))
        store.put_embeddings(query_cache, dict(zip(
            [stable_hash(doc_title(copy), length=32) for copy, *_ in batch],
            _noisy(np.stack([title_vectors[h] for h in src_titles]), rng), strict=True)))
        by_source: dict[str, list[tuple[Document, Sequence[Chunk] | None]]] = {}
        for copy, new, _, _ in batch:
            by_source.setdefault(copy.source, []).append((copy, new))
        with store.session() as s:
            for name, items in by_source.items():
                store.sync_source(s, name, items, remove_missing=False)
        done += len(new_chunks)
        batch.clear()
        if on_progress:
            on_progress("copying documents", done, chunks)

    for item in _copies(sources, chunks):
        batch.append(item)
        if len(batch) >= BLOCK:
            flush()
    if batch:
        flush()
    target_kb = open_kb(settings.model_copy(update={"home": target}))
    result = build_snapshot(store, SnapshotDir(target), embedder, target_kb.tokenizer,
                            index_type=settings.index_type,
                            on_embed=(lambda d, t: on_progress("embedding", d, t))
                            if on_progress else None)
    if result.embedded:  # every vector was put in the cache: none should have been embedded
        raise DatasetError(f"the copy embedded {result.embedded} texts; its cache was "
                           "incomplete")
    marker.write_text(json.dumps(want, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return target
