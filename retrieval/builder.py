"""Build a snapshot from the store: embed new chunks, build both indexes, publish atomically.

Vectors come from the store's embedding cache when the same text was embedded before by the same
embedder; only new text is embedded, and each embedded batch is cached at once, so an
interrupted build loses no embedding work.

Example:
    >>> result = build_snapshot(store, SnapshotDir("var/kb"), embedder, tokenizer)
    >>> result.published, result.embedded
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from kotae.kb import Document, KBStore, Kind, SnapshotDir, stable_hash
from kotae.kb.audience import customer_may_read
from kotae.kb.phrasings import PhrasingStore
from kotae.retrieval.dense import DenseIndex, resolve_index_type
from kotae.retrieval.lexical import BM25Index
from kotae.retrieval.manifest import Manifest
from kotae.retrieval.protocols import Embedder, Tokenizer
from kotae.retrieval.rerank.docs import FOLDER as RERANK_FOLDER
from kotae.retrieval.rerank.docs import DocTable
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
SNAPSHOT_FORMAT = "4"
READING_DIR = "reading"
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
    """Publish a snapshot of everything in ``store`` unless the serving one is identical."""
    pairs = list(store.iter_chunks_with_documents())
    rows = [{
        "chunk_id": c.id, "doc_id": d.id, "title": d.title, "heading": c.heading, "text": c.text,
        "url": d.url, "kind": d.kind.value, "visibility": d.visibility.value,
        "language": d.language, "product": d.product, "category": d.category,
        "updated_at": d.updated_at,
    } for c, d in pairs]
    texts = [c.indexed_text for c, _ in pairs]
    index_type = resolve_index_type(index_type, len(texts))  # "auto": by the KB's size
    learnt = PhrasingStore(store).approved()  # phrasings learnt from use, approved
    fingerprint = stable_hash(SNAPSHOT_FORMAT, embedder.id, tokenizer.id, tokenizer.reading_id,
                              index_type, *(f"{d}:{t}" for d, t in learnt),
                              *(f"{c.id}:{d.content_hash}" for c, d in pairs), length=32)
    current = snapshots.current()
    if current is not None and not force:
        try:
            previous = Manifest.read(current)
            previous.check_files(current)
        except Exception:  # a corrupt snapshot is replaced, not trusted
            previous = None
        if previous and previous.fingerprint == fingerprint:
            return BuildResult(previous, published=False, embedded=0, reused=len(pairs))

    labels, phrasings = router_examples([d for _, d in pairs], learnt)
    sentences = DocTable.sentence_texts(pairs)  # the second stage's: embedded with the chunks
    all_vectors, embedded = _vectors(store, embedder, texts + phrasings + sentences, on_embed,
                                     embed_batch)
    vectors = all_vectors[:len(texts)]
    phrasing_vectors = all_vectors[len(texts):len(texts) + len(phrasings)]
    router = QuestionRouter.fit(labels, phrasing_vectors) if labels else None
    dense = DenseIndex.build(vectors.reshape(len(texts), -1) if len(texts) else
                             np.empty((0, embedder.dim), np.float32), index_type)
    lexical = BM25Index.build([tokenizer.tokens(t) for t in texts])
    docs = DocTable.build(pairs, lambda titles: _query_vectors(store, embedder, titles),
                          all_vectors[len(texts) + len(phrasings):], tokenizer)
    reading = BM25Index.build([tokenizer.reading_terms(t) for t in texts])
    # Spellings are learnt from what customers may read only: how a query is rewritten must
    # not depend on words that only internal articles or tickets use.
    written = tokenizer.learn_spellings(t for t, (_, d) in zip(texts, pairs, strict=True)
                                        if customer_may_read(d))
    manifest = Manifest(
        embedder=embedder.id, dim=embedder.dim, tokenizer=tokenizer.id, index_type=index_type,
        documents=len({d.id for _, d in pairs}), chunks=len(pairs),
        by_kind=dict(Counter(d.kind.value for _, d in pairs)), fingerprint=fingerprint,
        router_entries=len(router) if router else 0, router_phrasings=len(phrasings),
        reading=tokenizer.reading_id,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    with snapshots.publish() as folder:
        dense.save(folder / "dense.faiss")
        (folder / "bm25").mkdir()
        lexical.save(folder / "bm25")
        (folder / READING_DIR).mkdir()
        reading.save(folder / READING_DIR)
        written.save(folder / WRITTEN_FILE)
        if router is not None:
            router.save(folder / ROUTER_FILE)
        docs.save(folder / RERANK_FOLDER)
        with open(folder / "rows.jsonl", "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        manifest.record_files(folder)
        manifest.write(folder)
    log.info("snapshot published", extra={"chunks": len(pairs), "embedded": embedded})
    return BuildResult(manifest, published=True, embedded=embedded,
                       reused=len(texts) + len(phrasings) + len(sentences) - embedded)


def router_examples(docs: list[Document], learnt: Sequence[tuple[str, str]] = ()
                    ) -> tuple[list[str], list[str]]:
    """(entry id, phrasing) pairs that train the question router: every FAQ entry's question
    and its variants, and the phrasings learnt from use (``learnt``: document id, wording;
    an article with some is a class too, its title as its first phrasing). None at all unless
    some entry has variants or learnt phrasings (a router that has seen one phrasing per entry
    only repeats the dense arm). Tickets are never a class."""
    by_id = {d.id: d for d in docs if d.kind is not Kind.TICKET}
    extra: dict[str, list[str]] = {}
    for doc_id, text in learnt:
        if doc_id in by_id:  # a phrasing of a document removed since is dropped
            extra.setdefault(doc_id, []).append(text)
    faq = {d.id for d in by_id.values() if d.kind is Kind.FAQ}
    if not extra and not any(by_id[d].meta.get("variants") for d in faq):
        return [], []
    labels: list[str] = []
    phrasings: list[str] = []
    order = {doc_id: n for n, doc_id in enumerate(by_id)}
    for doc_id in sorted(faq | set(extra), key=order.__getitem__):
        doc = by_id[doc_id]
        own = [doc.question or doc.title, *doc.meta.get("variants", [])]
        for text in dict.fromkeys(t.strip() for t in [*own, *extra.get(doc_id, [])]):
            if text:
                labels.append(doc_id)
                phrasings.append(text)
    return labels, phrasings


def _query_vectors(store: KBStore, embedder: Embedder, texts: list[str]) -> np.ndarray:
    """``texts`` embedded as queries, through the store's cache (one vector per new text)."""
    cache_id = f"{embedder.id}#query"  # not the passage vectors of the same text
    hashes = [stable_hash(t, length=32) for t in texts]
    cached = store.get_embeddings(cache_id, hashes)
    todo = {h: t for h, t in zip(hashes, texts, strict=True) if h not in cached}
    if todo:
        new = dict(zip(todo, embedder.embed_queries(list(todo.values())), strict=True))
        store.put_embeddings(cache_id, new)
        cached.update(new)
    return (np.stack([cached[h] for h in hashes]).astype(np.float32) if hashes
            else np.empty((0, embedder.dim), np.float32))


def _vectors(store: KBStore, embedder: Embedder, texts: list[str],
             on_embed: Progress | None, batch: int) -> tuple[np.ndarray, int]:
    hashes = [stable_hash(t, length=32) for t in texts]
    cached = store.get_embeddings(embedder.id, hashes)
    todo = {h: t for h, t in zip(hashes, texts, strict=True) if h not in cached}
    items = list(todo.items())
    if on_embed:
        on_embed(0, len(items))
    for start in range(0, len(items), batch):
        part = items[start:start + batch]
        vecs = embedder.embed_passages([t for _, t in part])
        new = {h: v for (h, _), v in zip(part, vecs, strict=True)}
        store.put_embeddings(embedder.id, new)
        cached.update(new)
        if on_embed:
            on_embed(min(start + batch, len(items)), len(items))
    matrix = (np.stack([cached[h] for h in hashes]).astype(np.float32) if hashes
              else np.empty((0, embedder.dim), np.float32))
    return matrix, len(items)
