"""Hybrid search over the serving snapshot: BM25 + dense (+ readings, + synonyms, + the question
router), filtered before top-k, fused.

The searcher follows the KB's ``CURRENT`` pointer: when a new snapshot is published it is
loaded on the next query and swapped in whole, so a query sees either the old or the new one.
A new snapshot that cannot be loaded (damaged, or built with another embedder) is logged as an
error and the old one keeps serving.

Example:
    >>> searcher = Searcher("var/kb", make_embedder("e5-small"), JapaneseTokenizer())
    >>> result = searcher.search("パスワードを忘れた", audience=Audience.PUBLIC, k=5)
    >>> result.hits[0].title
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from kotae.kb import Hit, KBError, Kind, SnapshotDir, Visibility
from kotae.kb.normalise import normalise_query
from kotae.retrieval.builder import READING_DIR, SYNONYM_DIR, WRITTEN_FILE
from kotae.retrieval.confidence import (
    BOOSTED_FILE,
    BoostedConfidence,
    ConfidenceFeatures,
    ConfidenceModel,
    confidence_features,
    default_confidence,
    second_stage_values,
)
from kotae.retrieval.config import SETTINGS_FILE, RetrievalConfig
from kotae.retrieval.dense import DenseIndex
from kotae.retrieval.errors import EmbedderMismatch, IndexCorrupt, TokenizerMismatch
from kotae.retrieval.filters import Audience, RowTable, SearchFilter
from kotae.retrieval.fusion import FUSIONS
from kotae.retrieval.lexical import BM25Index
from kotae.retrieval.manifest import Manifest
from kotae.retrieval.protocols import Embedder, Spellings, Tokenizer, TokenSpan
from kotae.retrieval.rerank import (
    DEFAULT_DEPTH,
    Candidate,
    DocTable,
    QueryInfo,
    Reranker,
    candidate_features,
)
from kotae.retrieval.rerank import FEATURES as RANK_FEATURES
from kotae.retrieval.rerank.docs import FOLDER as RERANK_FOLDER
from kotae.retrieval.rerank.model import KB_MODEL
from kotae.retrieval.router import ROUTER_FILE, QuestionRouter
from kotae.retrieval.snippets import make_snippet

log = logging.getLogger(__name__)

MAX_K = 100
_KANA_RUN = re.compile("[\u3041-\u309f\u30a0-\u30ff\uff66-\uff9f]+")  # kana, as typed
# A KB's own tuning, followed while serving: its settings, boosted confidence, refit.
TUNING_FILES = (SETTINGS_FILE, BOOSTED_FILE, KB_MODEL)
SPAN_CACHE = 2048  # chunks whose words are kept for snippets (~15 kB each on the sample KB)
# default: the whole pipeline (the arms fused, then the second stage); hybrid: the arms fused
# (the first stage alone); bm25, dense, reading, synonym: one arm (for evaluation).
MODES = ("default", "hybrid", "bm25", "dense", "reading", "synonym")
RANK_COLUMNS = tuple(RANK_FEATURES)  # the second stage's feature names, in column order


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]
    confidence: float
    snapshot: str = ""
    language: str = ""
    features: ConfidenceFeatures | None = None  # what ``confidence`` was computed from
    # the query as searched when it was written the KB's way (ぱすわーど: パスワード, 育館: 体育館);
    # "" when what was typed was searched
    searched_as: str = ""


@dataclass
class Candidates:
    """The second stage's input for one query: the query, the candidate documents (best
    first), each one's best fused row and its text, and the snapshot's document table."""

    query: QueryInfo
    table: DocTable
    items: list[Candidate] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


@dataclass
class FirstStage:
    """The arms' outcome for one query: the query as searched (written the KB's way), its
    terms, each arm's rows and scores, the router's, and the fused list."""

    text: str
    terms: list[str]
    bm25: dict[int, float]
    dense: dict[int, float]
    b_rows: np.ndarray  # the word arm's rows, best first
    routed: dict[int, float]
    nearest: np.ndarray | None
    fused: list[tuple[int, float]]


@dataclass
class SecondStage:
    """The second stage's outcome for one query: the ranked rows, each reranked document's raw
    score and its exact cosine (best chunk)."""

    ranked: list[tuple[int, float]]
    raw: dict[str, float]
    cosine: dict[str, float]
    features: np.ndarray | None = None  # the candidates' ``candidate_features``, a row each
    position: dict[str, int] = field(default_factory=dict)  # a candidate's row in ``features``

    def margin(self, top_doc: str, nth: int = 1) -> float:
        """The top document's raw score minus that of the ``nth`` best other candidate (1: the
        runner-up); with fewer others, the last one's (0 with one candidate)."""
        others = sorted((s for d, s in self.raw.items() if d != top_doc), reverse=True)
        return (self.raw[top_doc] - others[min(nth, len(others)) - 1]
                if others and top_doc in self.raw else 0.0)


@dataclass
class _Loaded:
    version: str
    manifest: Manifest
    dense: DenseIndex
    lexical: BM25Index
    rows: list[dict[str, str]]
    table: RowTable
    router: QuestionRouter | None = None
    reading: BM25Index | None = None  # none in snapshots older than the reading index
    written: Spellings | None = None  # the KB's spellings by reading (idem)
    synonyms: BM25Index | None = None  # none in snapshots older than the synonym index
    # the rows of each router class (its entry's chunks), in order
    class_rows: list[list[int]] = field(default_factory=list)
    class_of: dict[str, int] = field(default_factory=dict)  # doc id → router class
    masks: dict[tuple[Any, ...], np.ndarray] = field(default_factory=dict)
    titles: dict[Audience, list[tuple[str, str]]] = field(default_factory=dict)
    docs: DocTable | None = None  # the second stage's document data (older snapshots: none)
    doc_rows: dict[str, list[int]] = field(default_factory=dict)  # doc id → its chunk rows


class Searcher:
    """Queries the serving snapshot of one KB directory (thread-safe)."""

    def __init__(self, kb_dir: str | Path, embedder: Embedder, tokenizer: Tokenizer,
                 config: RetrievalConfig | None = None, reranker: Reranker | None = None,
                 rerank_depth: int = DEFAULT_DEPTH, span_cache: int = SPAN_CACHE) -> None:
        if rerank_depth < 2:
            raise ValueError(f"rerank_depth must be at least 2, got {rerank_depth}")
        self.snapshots = SnapshotDir(kb_dir)
        self.embedder = embedder
        self.tokenizer = tokenizer
        self.config = config or RetrievalConfig.load(kb_dir)
        self.reranker, self.rerank_depth = reranker, rerank_depth
        # The KB's own tuning is followed while serving (a given config is the caller's).
        self._own_config = config is None
        self._tuning = self._tuning_stamp()
        self._loaded: _Loaded | None = None
        self._rejected: str | None = None  # a published snapshot that could not be loaded
        self._lock = threading.Lock()
        # Popular questions repeat (and typeahead re-sends them): embedding is the slow step.
        self._embed_query = lru_cache(maxsize=2048)(self._embed_uncached)
        # The same answers come back for many questions: a chunk's words (for its snippet and
        # highlights) are found once, not for every hit of every query. Keyed by the chunk's
        # text, so a new snapshot's changed chunks miss and unchanged ones still hit.
        self._analyse = lru_cache(maxsize=span_cache)(self._analyse_uncached)

    def _analyse_uncached(self, text: str) -> tuple[TokenSpan, ...]:
        return tuple(self.tokenizer.analyse(text))

    def embed_query(self, text: str) -> np.ndarray:
        """The query vector of ``text``, read-only (the last 2,048 are kept: what the composer
        reads for the question it answers is the vector this searcher searched with)."""
        return self._embed_query(text)

    def _embed_uncached(self, text: str) -> np.ndarray:
        vector = self.embedder.embed_query(text)
        vector.setflags(write=False)
        return vector

    # --- snapshot ----------------------------------------------------------------------------

    def _current(self) -> _Loaded:
        version = self.snapshots.version()
        loaded = self._loaded
        tuning = self._tuning_stamp()
        if loaded is not None and version in (loaded.version, self._rejected) \
                and tuning == self._tuning:
            return loaded
        with self._lock:
            if tuning != self._tuning:
                self._follow_tuning(tuning)
            if self._loaded is None or version not in (self._loaded.version, self._rejected):
                self._loaded = self._swap(self._loaded, version)
            return self._loaded

    def _tuning_stamp(self) -> tuple[int, ...]:
        """When the KB's own tuning files last changed (0: absent): its settings, its boosted
        confidence and its second stage's refit."""
        stamps = []
        for name in TUNING_FILES:
            try:
                stamps.append((self.snapshots.kb_dir / name).stat().st_mtime_ns)
            except OSError:
                stamps.append(0)
        return tuple(stamps)

    def _follow_tuning(self, tuning: tuple[int, ...]) -> None:
        """Read the KB's tuning again (``kotae learn --refit``, ``kotae eval deflection``
        wrote it): a serving process ranks and answers with it from its next query, no restart.
        Tuning that cannot be read is logged and the current one kept."""
        self._tuning = tuning
        if self._own_config:
            try:
                self.config = RetrievalConfig.load(self.snapshots.kb_dir)
            except (OSError, ValueError, TypeError) as exc:
                log.error("KB settings not reloaded, still serving the previous ones: %s", exc)
        follow = getattr(self.reranker, "follow", None)
        if callable(follow):
            follow()
        log.info("KB tuning read again", extra={"reranker": getattr(self.reranker, "id", None)})

    def _swap(self, old: _Loaded | None, version: str | None) -> _Loaded:
        """The newly published snapshot, or ``old`` when there is one and the new one cannot be
        loaded (logged once per snapshot)."""
        try:
            return self._load()
        except KBError as exc:
            if old is None:
                raise
            self._rejected = version
            log.error("snapshot %s not loaded, still serving %s: %s", version, old.version, exc)
            return old

    def check(self) -> Manifest:
        """Raise what loading the serving snapshot would (``SnapshotNotFound``,
        ``IndexCorrupt``, ``EmbedderMismatch``, ``TokenizerMismatch``) without loading it or
        any model: its files as recorded at build, by this embedder and tokeniser."""
        return self._checked()[1]

    def _checked(self) -> tuple[Path, Manifest]:
        folder = self.snapshots.require_current()
        manifest = Manifest.read(folder)
        manifest.check_files(folder)
        if manifest.embedder != self.embedder.id:
            raise EmbedderMismatch(manifest.embedder, self.embedder.id)
        if manifest.tokenizer != self.tokenizer.id:
            raise TokenizerMismatch(manifest.tokenizer, self.tokenizer.id)
        return folder, manifest

    def _load(self) -> _Loaded:
        folder, manifest = self._checked()
        rows_path = folder / "rows.jsonl"
        try:
            with open(rows_path, encoding="utf-8") as fh:
                rows = [json.loads(line) for line in fh]
        except (OSError, ValueError) as exc:
            raise IndexCorrupt(rows_path, str(exc)[:200]) from exc
        dense = DenseIndex.load(folder / "dense.faiss")
        lexical = BM25Index.load(folder / "bm25")
        if len(dense) != len(rows) or lexical.size != len(rows):
            raise IndexCorrupt(folder, "index sizes do not match rows.jsonl")
        by_doc: dict[str, list[int]] = {}
        for n, row in enumerate(rows):
            by_doc.setdefault(row["doc_id"], []).append(n)
        router, class_rows = None, []
        if (folder / ROUTER_FILE).exists():
            router = QuestionRouter.load(folder / ROUTER_FILE)
            class_rows = [by_doc.get(doc, []) for doc in router.doc_ids]
            if router.weights.shape[1] != manifest.dim or not all(class_rows):
                raise IndexCorrupt(folder / ROUTER_FILE, "its entries or dimension do not "
                                   "match the snapshot's rows")
        docs = DocTable.load(folder / RERANK_FOLDER) if (folder / RERANK_FOLDER).exists() else None
        reading, written = self._load_reading(folder, manifest, len(rows))
        return _Loaded(folder.name, manifest, dense, lexical, rows, RowTable.from_rows(rows),
                       router, reading, written, self._load_synonyms(folder, manifest, len(rows)),
                       class_rows,
                       {doc: i for i, doc in enumerate(router.doc_ids)} if router else {},
                       docs=docs, doc_rows=by_doc)

    def _load_reading(self, folder: Path, manifest: Manifest,
                      size: int) -> tuple[BM25Index | None, Spellings | None]:
        """The reading index and the KB's spellings, when the snapshot has them made the way
        this tokenizer reads (an older snapshot searches without them until the next ingest)."""
        if not manifest.reading or manifest.reading != self.tokenizer.reading_id:
            log.warning("snapshot %s has no reading index for %s; run kotae ingest to add it",
                        folder.name, self.tokenizer.reading_id)
            return None, None
        reading = BM25Index.load(folder / READING_DIR)
        if reading.size != size:
            raise IndexCorrupt(folder / READING_DIR, "its size does not match rows.jsonl")
        try:
            written = self.tokenizer.load_spellings(folder / WRITTEN_FILE)
        except (OSError, ValueError, TypeError) as exc:
            raise IndexCorrupt(folder / WRITTEN_FILE, str(exc)[:200]) from exc
        return reading, written

    def _load_synonyms(self, folder: Path, manifest: Manifest, size: int) -> BM25Index | None:
        """The synonym index, when the snapshot has one made by this tokenizer's dictionary (an
        older snapshot searches without it until the next ingest)."""
        if not manifest.synonyms or manifest.synonyms != self.tokenizer.synonym_id:
            log.warning("snapshot %s has no synonym index for %s; run kotae ingest to add it",
                        folder.name, self.tokenizer.synonym_id)
            return None
        synonyms = BM25Index.load(folder / SYNONYM_DIR)
        if synonyms.size != size:
            raise IndexCorrupt(folder / SYNONYM_DIR, "its size does not match rows.jsonl")
        return synonyms

    def warm_up(self) -> Manifest:
        """Load the snapshot, the embedder and the tokeniser now; returns the manifest."""
        loaded = self._current()
        self.embedder.embed_query("warm up")
        self.tokenizer.tokens("ウォームアップ")
        if self.reranker is not None:
            self.reranker.warm_up()
        import faiss

        faiss.omp_set_num_threads(1)  # one query at a time: threads only add overhead
        return loaded.manifest

    def manifest(self) -> Manifest:
        return self._current().manifest

    def confidence_model(self, second_stage: bool = True
                         ) -> ConfidenceModel | BoostedConfidence:
        """The curve a search's confidence comes from: the KB's calibrated one, else the
        default for its stages (``second_stage``: this searcher's second stage ranked it)."""
        if self.config.confidence is not None:
            return self.config.confidence
        ranker = self.reranker.id if second_stage and self.reranker is not None else None
        return default_confidence(ranker)

    def titles(self, audience: Audience) -> list[tuple[str, str]]:
        """(title, language) of every document ``audience`` may read, in the serving snapshot
        (FAQ entries are titled by their question). The same list until the next snapshot."""
        loaded = self._current()
        titles = loaded.titles.get(audience)
        if titles is None:
            allowed = self._mask(loaded, SearchFilter().for_audience(audience))
            seen: dict[str, tuple[str, str]] = {}
            for row, ok in zip(loaded.rows, allowed.tolist(), strict=True):
                if ok and row["doc_id"] not in seen:
                    seen[row["doc_id"]] = (row["title"], row["language"])
            titles = loaded.titles[audience] = list(seen.values())
        return titles

    # --- search ------------------------------------------------------------------------------

    def _mask(self, loaded: _Loaded, f: SearchFilter) -> np.ndarray:
        key = (f.kinds, f.visibilities, f.languages, f.products, f.nothing)
        mask = loaded.masks.get(key)
        if mask is None:
            mask = loaded.table.mask(f)
            if len(loaded.masks) < 256:
                loaded.masks[key] = mask
        return mask

    def search(self, query: str, *, audience: Audience, k: int = 10,
               filters: SearchFilter | None = None, collapse: bool = True,
               mode: str = "default", snippets: bool = True) -> SearchResult:
        """The best ``k`` hits for ``query`` that ``audience`` may read.

        With ``collapse`` each document appears once, by its best chunk. ``mode`` picks the
        pipeline: ``default`` (the arms fused, then the second stage over the best
        ``rerank_depth`` documents, when the searcher has one), ``hybrid`` (the arms fused),
        ``bm25``, ``dense`` or ``reading`` alone (for evaluation). Without ``snippets`` hits
        carry the start of the chunk and no highlights (evaluations at large k skip the
        morphological analysis of every hit).
        """
        if not 1 <= k <= MAX_K:
            raise ValueError(f"k must be between 1 and {MAX_K}, got {k}")
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; allowed: {', '.join(MODES)}")
        text = normalise_query(query)
        loaded = self._current()
        if not text:
            return SearchResult(query, [], 0.0, loaded.version)
        allowed = self._mask(loaded, (filters or SearchFilter()).for_audience(audience))
        depth = max(self.config.depth, k * 3)
        first = self._first_stage(loaded, text, allowed, depth, mode)
        fused, bm25, dense = first.fused, first.bm25, first.dense
        second = None
        if mode == "default" and self.reranker is not None and loaded.docs is not None:
            # The candidates as ``candidates`` (and the model's fit) see them: from arms of the
            # configured depth, whatever ``k`` the caller asks for.
            same = depth == self.config.depth
            seen = first if same else self._first_stage(loaded, text, allowed,
                                                        self.config.depth, mode)
            second = self._second_stage(loaded, seen.text, seen.fused, seen.bm25, tail=fused,
                                        terms=seen.terms)
        ranked = second.ranked if second is not None else fused
        hits: list[Hit] = []
        seen_docs: set[str] = set()
        term_set = set(first.terms)
        reading = self._kana_reading(text) if snippets else ""  # what highlights by reading
        for row, score in ranked:
            meta = loaded.rows[row]
            if collapse and meta["doc_id"] in seen_docs:
                continue
            seen_docs.add(meta["doc_id"])
            hit = self._hit(meta, score, bm25.get(row), dense.get(row),
                            term_set if snippets else None, reading)
            if second is not None:
                hit.scores["dense"] = second.cosine.get(meta["doc_id"], hit.scores["dense"])
                hit.scores["rerank"] = second.raw.get(meta["doc_id"])
            hits.append(hit)
            if len(hits) == k:
                break
        features = (self._features(loaded, hits[0], first, second)
                    if hits and mode in ("default", "hybrid", "dense") else None)
        confidence = (self.confidence_model(second is not None).score(features)
                      if features else 0.0)
        return SearchResult(query, hits, confidence, loaded.version, features=features,
                            searched_as=first.text if first.text != text else "")

    def _candidates(self, loaded: _Loaded, text: str, fused: list[tuple[int, float]],
                    bm25: dict[int, float], terms: list[str] | None = None) -> Candidates:
        """The best ``rerank_depth`` documents of the fused list, as the second stage sees
        them: each with its best fused row, its exact cosine (best chunk) and its text."""
        assert loaded.docs is not None
        best: dict[str, tuple[int, float]] = {}  # doc → (its best fused row, fused score)
        for row, score in fused:
            best.setdefault(loaded.rows[row]["doc_id"], (row, score))
            if len(best) == self.rerank_depth:
                break
        query_vector = self._embed_query(text)
        out = Candidates(QueryInfo.of(text, query_vector, self.tokenizer, terms), loaded.docs)
        kept = [doc for doc in best if doc in loaded.docs.position]
        # Every candidate's chunk vectors read at once; each document's product on its own.
        vectors = loaded.dense.vectors([r for doc in kept for r in loaded.doc_rows[doc]])
        start = 0
        for doc in kept:
            row, score = best[doc]
            rows = loaded.doc_rows[doc]
            cosine = float((vectors[start:start + len(rows)] @ query_vector).max())
            start += len(rows)
            lexical = [bm25[r] for r in rows if r in bm25]
            out.items.append(Candidate(doc, score, max(lexical) if lexical else None, cosine))
            out.rows.append(row)
            meta = loaded.rows[row]
            out.texts.append(f"{meta['title']}\n{meta['text']}")
        return out

    def candidates(self, query: str, *, audience: Audience, k: int = 10,
                   filters: SearchFilter | None = None, router: bool = True) -> Candidates:
        """What the second stage would score for ``query`` (``kotae eval rerank`` fits its
        model on exactly these); the first stage as ``search`` runs it (without the question
        router when ``router`` is False: for the phrasings it was trained on)."""
        text = normalise_query(query)
        loaded = self._current()
        if loaded.docs is None:
            raise IndexCorrupt(loaded.version, "this snapshot has no second-stage data; run "
                               "`kotae ingest --rebuild`")
        allowed = self._mask(loaded, (filters or SearchFilter()).for_audience(audience))
        first = self._first_stage(loaded, text, allowed, max(self.config.depth, k * 3),
                                  "default", router=router)
        return self._candidates(loaded, first.text, first.fused, first.bm25, first.terms)

    def _first_stage(self, loaded: _Loaded, typed: str, allowed: np.ndarray, depth: int,
                     mode: str, router: bool = True) -> FirstStage:
        """The arms ``mode`` runs, each over its ``depth`` best rows, fused."""
        arms = dict.fromkeys(("default", "hybrid"), ("bm25", "dense", "reading", "synonym"))
        run = arms.get(mode, (mode,))
        # Hiragana typed for words the KB writes in kanji or katakana, written its way for the
        # word index and the embedder; the reading index reads the query as typed.
        text = loaded.written.convert(typed) if loaded.written else typed
        terms = self.tokenizer.tokens(text)
        empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32))
        b_rows, b_scores = (loaded.lexical.search(terms, depth, allowed)
                            if "bm25" in run else empty)
        d_rows, d_scores = (loaded.dense.search(self._embed_query(text), depth, allowed)
                            if "dense" in run else empty)
        r_rows, r_scores = (loaded.reading.search(self.tokenizer.reading_terms(typed), depth,
                                                  allowed)
                            if "reading" in run and loaded.reading else empty)
        s_rows, s_scores = (loaded.synonyms.search(self.tokenizer.synonym_terms(text), depth,
                                                   allowed)
                            if "synonym" in run and loaded.synonyms
                            and (len(run) == 1 or self.config.weights["synonym"] > 0) else empty)
        bm25 = dict(zip(b_rows.tolist(), b_scores.tolist(), strict=True))
        dense = dict(zip(d_rows.tolist(), d_scores.tolist(), strict=True))
        routed, nearest = (self._route(loaded, text, allowed, dense, bm25, depth)
                           if mode in ("default", "hybrid") and router
                           and loaded.router is not None else ({}, None))
        fused = self._fuse(bm25, dense, routed,
                           dict(zip(r_rows.tolist(), r_scores.tolist(), strict=True)),
                           dict(zip(s_rows.tolist(), s_scores.tolist(), strict=True)))
        return FirstStage(text, terms, bm25, dense, b_rows, routed, nearest, fused)

    def _kana_reading(self, typed: str) -> str:
        """The reading of the query's kana runs, for highlights by reading: ぱすわーど marks
        パスワード, while a query written in kanji marks its words' terms only (read whole,
        領収書の宛名 would mark 利用 and 用紙, read リヨウ and ヨウシ)."""
        return " ".join(self.tokenizer.reading(run) for run in _KANA_RUN.findall(typed))

    def _second_stage(self, loaded: _Loaded, text: str, fused: list[tuple[int, float]],
                      bm25: dict[int, float],
                      tail: list[tuple[int, float]] | None = None,
                      terms: list[str] | None = None) -> SecondStage:
        """The candidates scored again and put first, each by its best chunk; the rest of
        ``tail`` (default: ``fused``) follows in its order (the candidates' other chunks too,
        for callers that do not collapse). The hits keep the first stage's scores, dealt out in
        the new order (the best fused score to the new top hit, and so on): whoever reads a
        hit's score, or its share of the top one's, sees the scale it always saw."""
        assert self.reranker is not None and loaded.docs is not None
        tail = fused if tail is None else tail
        found = self._candidates(loaded, text, fused, bm25, terms)
        if not found.items:
            return SecondStage(tail, {}, {})
        features = candidate_features(found.query, found.items, found.table)
        scores = self.reranker.rerank(found.query, found.items, found.table, found.texts,
                                      features)
        order = np.argsort(-scores, kind="stable")
        dealt = sorted((c.fused for c in found.items), reverse=True)
        others: dict[str, list[int]] = {}  # a candidate's other chunks, in fused order
        for row, _ in tail:
            others.setdefault(loaded.rows[row]["doc_id"], []).append(row)
        ranked: list[tuple[int, float]] = []
        for n, i in enumerate(order.tolist()):
            best = found.rows[i]
            ranked += [(row, dealt[n]) for row in
                       [best, *(r for r in others.get(found.items[i].doc_id, []) if r != best)]]
        shown, floor = {row for row, _ in ranked}, dealt[-1]
        ranked += [(row, min(score, floor)) for row, score in tail if row not in shown]
        return SecondStage(ranked, {c.doc_id: float(s) for c, s in zip(found.items, scores,
                                                                      strict=True)},
                           {c.doc_id: float(c.dense or 0.0) for c in found.items}, features,
                           {c.doc_id: i for i, c in enumerate(found.items)})

    @staticmethod
    def _features(loaded: _Loaded, top: Hit, first: FirstStage,
                  second: SecondStage | None = None) -> ConfidenceFeatures:
        """The confidence inputs from the whole ranked lists (not the ``k`` collapsed hits)."""
        rows = loaded.rows
        fused, dense, b_rows, routed, nearest = (first.fused, first.dense, first.b_rows,
                                                 first.routed, first.nearest)
        top_class = loaded.class_of.get(top.doc_id)
        # The top hit's row in the second stage's feature matrix (None: it did not see it).
        matrix = second.features if second is not None else None
        seen = second.position.get(top.doc_id) if second is not None else None
        phrasing = (float(nearest[top_class]) if nearest is not None and top_class is not None
                    and loaded.router is not None and loaded.router.phrasings is not None
                    else None)
        return confidence_features(
            top.doc_id, top.scores["dense"],
            [(rows[row]["doc_id"], score) for row, score in fused],
            [(rows[row]["doc_id"], score) for row, score in dense.items()],  # best first
            rows[int(b_rows[0])]["doc_id"] if len(b_rows) else None,
            {rows[row]["doc_id"]: p for row, p in routed.items()} if routed else None,
            phrasing,
            (second.raw[top.doc_id], second.margin(top.doc_id), second.margin(top.doc_id, 2))
            if second is not None and top.doc_id in second.raw else None,
            second_stage_values(RANK_COLUMNS, matrix, seen)
            if matrix is not None and seen is not None else None,
            matrix[seen] if matrix is not None and seen is not None else ())

    def _class_mask(self, loaded: _Loaded, allowed: np.ndarray) -> np.ndarray:
        """The router classes whose entry the caller may read (the rows' filter, per entry)."""
        return np.fromiter((allowed[rows[0]] for rows in loaded.class_rows), dtype=bool,
                           count=len(loaded.class_rows))

    def _route(self, loaded: _Loaded, text: str, allowed: np.ndarray, dense: dict[int, float],
               bm25: dict[int, float], depth: int) -> tuple[dict[int, float], np.ndarray]:
        """The router arm: P(entry | query) of the ``depth`` likeliest allowed entries, each on
        the entry's chunk that the other arms rank best (its first chunk when they missed it),
        so that fusion adds up evidence for one chunk; and every entry's nearest-phrasing
        cosine (0 for entries the caller may not read)."""
        assert loaded.router is not None
        query, classes = self._embed_query(text), self._class_mask(loaded, allowed)
        probs = loaded.router.probabilities(query, classes)
        nearest = loaded.router.nearest(query, classes)
        top = np.argsort(-probs, kind="stable")[:depth]
        order = [*dense, *(row for row in bm25 if row not in dense)]  # best first
        position = {row: n for n, row in enumerate(order)}
        out: dict[int, float] = {}
        for cls in top.tolist():
            if probs[cls] <= 0.0:
                break
            rows = loaded.class_rows[cls]
            best = min(rows, key=lambda r: (position.get(r, len(order)), r))
            out[best] = float(probs[cls])
        return out, nearest

    def _fuse(self, bm25: dict[int, float], dense: dict[int, float],
              routed: dict[int, float], reading: dict[int, float],
              synonyms: dict[int, float]) -> list[tuple[int, float]]:
        runs = {arm: {str(r): s for r, s in scores.items()} for arm, scores in (
            ("bm25", bm25), ("dense", dense), ("router", routed), ("reading", reading),
            ("synonym", synonyms)) if scores}
        fuse = FUSIONS[self.config.fusion]
        if self.config.fusion == "rrf":
            fused = fuse(runs, k=self.config.rrf_k, weights=self.config.weights)  # type: ignore[operator]
        else:
            fused = fuse(runs, weights=self.config.weights,  # type: ignore[operator]
                         probabilities=("router",))
        return [(int(r), s) for r, s in fused]

    def _hit(self, meta: dict[str, str], score: float, bm25: float | None, dense: float | None,
             terms: set[str] | None, reading: str = "") -> Hit:
        spans = self._analyse(meta["text"]) if terms is not None else ()
        snippet, highlights = make_snippet(meta["text"], spans, terms or set(), reading=reading)
        return Hit(
            doc_id=meta["doc_id"], chunk_id=meta["chunk_id"], title=meta["title"],
            snippet=snippet, url=meta["url"], kind=Kind(meta["kind"]),
            visibility=Visibility(meta["visibility"]), language=meta["language"],
            product=meta["product"], score=score, scores={"bm25": bm25, "dense": dense},
            highlights=highlights, heading=meta["heading"], text=meta["text"],
        )
