"""One knowledge base, configured once: the object the server, the CLI and the eval harness
all open a KB with, so what is measured is what is served.

``open_kb(settings)`` gives a ``KnowledgeBase``: its store (one database engine for the KB's
documents, query log, keys and feedback), its searcher, and everything kotae says from it —
suggested replies, deflection, typeahead, the FAQ-gap report — each built on first use and
shared. ``ingest`` loads files and publishes a new index under the KB's writer lock;
``publish`` publishes after a direct change to the store (an accepted FAQ draft).

This module sits above ``suggest`` and ``ingest`` (it wires them) and below ``eval`` and
``app`` (they use it). Nothing heavy loads until it is used.

Example:
    >>> kb = open_kb(KBSettings(home="var/kb"))
    >>> kb.ingest(["kb/sample_kb"]).build.published
    True
    >>> kb.search("パスワードを忘れた").hits[0].title
    'パスワードを再設定する'
    >>> kb.deflect("パスワードを忘れました").action
    <Action.ANSWER: 'answer'>
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kotae.kb import Audience, KBStore, QueryLog, SnapshotDir, stable_hash
from kotae.kb.lock import kb_writer
from kotae.kb.settings import KBSettings

if TYPE_CHECKING:
    from kotae.ingest import Defaults, IngestReport
    from kotae.kb.feedback import FeedbackStore
    from kotae.kb.keys import KeyStore
    from kotae.kb.phrasings import PhrasingStore
    from kotae.kb.typeahead_rules import TypeaheadRules
    from kotae.models import JapaneseTokenizer
    from kotae.retrieval import (
        BuildResult,
        RetrievalConfig,
        Searcher,
        SearchFilter,
        SearchResult,
    )
    from kotae.retrieval.protocols import Embedder
    from kotae.retrieval.rerank import Reranker
    from kotae.suggest import Deflection, Deflector, Suggester, Suggestion, TicketIn
    from kotae.suggest.compose import Composer
    from kotae.suggest.deflection.typeahead import Typeahead
    from kotae.suggest.gaps import GapAnalyser, GapOptions
    from kotae.suggest.learning import LearnPolicy, LearnReport

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass
class IngestProgress:
    """Callbacks for a progress display: files found, each file read, passages embedded."""

    on_files: Callable[[int], None] | None = None
    on_file: Callable[[Path], None] | None = None
    on_embed: Callable[[int, int], None] | None = None


@dataclass
class IngestOutcome:
    """What an ingest did; a dry run has no ``build`` but says how much it ``would_embed``;
    ``sentences_embedded``: sentence vectors newly cached for the composer."""

    report: IngestReport
    build: BuildResult | None
    would_embed: int = 0
    sentences_embedded: int = 0


class KnowledgeBase:
    """The services of one KB (thread-safe; each made once, on first use or in ``warm_up``).

    ``embedder`` and ``searcher`` may be given (tests and benchmarks share one model between
    KBs); otherwise they come from the settings. ``retrieval`` replaces the KB's tuning
    (``settings.json``) for this object only (the eval harness's overrides).
    """

    def __init__(self, settings: KBSettings, *, embedder: Embedder | None = None,
                 searcher: Searcher | None = None,
                 retrieval: RetrievalConfig | None = None) -> None:
        if not isinstance(settings, KBSettings):
            raise ValueError(f"open_kb needs KBSettings, got {type(settings).__name__}")
        self.settings = settings
        self.home = Path(settings.home)
        self._made: dict[str, Any] = {}
        self._retrieval = retrieval  # the KB's settings.json unless given (eval overrides)
        if searcher is not None:
            self._made["searcher"] = searcher
            embedder = embedder or searcher.embedder
        if embedder is not None:
            self._made["embedder"] = embedder
        self._lock = threading.RLock()

    def _once(self, name: str, make: Callable[[], T]) -> T:
        made = self._made.get(name)
        if made is None:
            with self._lock:
                made = self._made.get(name)
                if made is None:
                    made = self._made[name] = make()
        return made  # type: ignore[no-any-return]

    # --- the parts ---------------------------------------------------------------------------

    @property
    def store(self) -> KBStore:
        """The KB's database: documents, chunks, embeddings, query log, keys, feedback."""
        url = self.settings.database_url
        return self._once("store", lambda: KBStore(url) if url else KBStore.for_dir(self.home))

    @property
    def embedder(self) -> Embedder:
        from kotae.models import make_embedder

        s = self.settings
        return self._once("embedder", lambda: make_embedder(s.embedder, s.embedder_model))

    @property
    def tokenizer(self) -> JapaneseTokenizer:
        from kotae.models import JapaneseTokenizer

        return self._once("tokenizer", lambda: JapaneseTokenizer(mode=self.settings.sudachi_mode))

    @property
    def reranker(self) -> Reranker | None:
        """The second ranking stage the settings name (None: off)."""
        from kotae.retrieval.rerank import CrossEncoderReranker, LearnedReranker

        def make() -> Reranker | bool:
            kind = self.settings.reranker
            if kind == "learned":
                return LearnedReranker.for_kb(self.home)  # follows the KB's refit
            if kind == "cross-encoder":
                from kotae.models.cross_encoder import CrossEncoderScorer

                scorer = CrossEncoderScorer(self.settings.reranker_model or "")
                return CrossEncoderReranker(scorer)
            return False  # off (remembered as made)

        made = self._once("reranker", make)
        return made or None

    @property
    def searcher(self) -> Searcher:
        from kotae.retrieval import Searcher

        return self._once("searcher", lambda: Searcher(
            self.home, self.embedder, self.tokenizer, config=self._retrieval,
            reranker=self.reranker, rerank_depth=self.settings.rerank_depth))

    @property
    def snapshots(self) -> SnapshotDir:
        return SnapshotDir(self.home)

    @property
    def query_log(self) -> QueryLog:
        days = self.settings.query_log_retention_days
        return self._once("query_log", lambda: QueryLog(self.store, days))

    @property
    def keys(self) -> KeyStore:
        from kotae.kb.keys import KeyStore

        return self._once("keys", lambda: KeyStore(self.store))

    @property
    def feedback(self) -> FeedbackStore:
        from kotae.kb.feedback import FeedbackStore

        return self._once("feedback", lambda: FeedbackStore(self.store))

    @property
    def phrasings(self) -> PhrasingStore:
        """Phrasings learnt from use: candidates, approved, rejected (``kotae.kb.phrasings``)."""
        from kotae.kb.phrasings import PhrasingStore

        return self._once("phrasings", lambda: PhrasingStore(self.store))

    @property
    def typeahead_rules(self) -> TypeaheadRules:
        from kotae.kb.typeahead_rules import TypeaheadRules

        return self._once("typeahead_rules", lambda: TypeaheadRules(self.store))

    @property
    def typeahead(self) -> Typeahead:
        from kotae.suggest.deflection.typeahead import BlockedWords, Typeahead

        def make() -> Typeahead:
            s, searcher = self.settings, self.searcher
            return Typeahead(self.query_log, self.typeahead_rules,
                             titles=lambda: searcher.titles(Audience.PUBLIC),
                             blocked=BlockedWords.load(self.home),
                             min_clients=s.typeahead_min_clients,
                             window_days=s.typeahead_window_days, read=self.tokenizer.reading)

        return self._once("typeahead", make)

    @property
    def composer(self) -> Composer:
        """The one composer of answers and drafts, its sentence vectors in the store's cache
        and its question vectors the searcher's (a question searched is not embedded again)."""
        from kotae.suggest.compose import Composer

        return self._once("composer", lambda: Composer.for_searcher(self.searcher, self.store))

    @property
    def suggester(self) -> Suggester:
        """Suggested replies, drafted by the LLM when ``KOTAE_LLM_URL`` is set."""
        from kotae.suggest import GroundedDrafter, LLMConfig, LLMDrafter, Suggester
        from kotae.suggest.replies.drafter import Drafter

        def make() -> Suggester:
            llm = self.settings.llm
            drafter: Drafter = GroundedDrafter(self.tokenizer, composer=self.composer)
            if llm.url:
                drafter = LLMDrafter(LLMConfig(base_url=llm.url, api_key=llm.api_key,
                                               model=llm.model, on_unsupported=llm.unsupported,
                                               timeout=llm.timeout),
                                     self.tokenizer, fallback=drafter)
            return Suggester(self.searcher, self.store, self.tokenizer, drafter=drafter)

        return self._once("suggester", make)

    def deflector(self, link_for: Callable[[Any], str] | None = None) -> Deflector:
        """Deflection from public sources; ``link_for`` gives a hit's customer-facing link."""
        from kotae.suggest import Deflector

        return Deflector(self.searcher, link_for=link_for, store=self.store,
                         composer=self.composer)

    def gap_analyser(self, options: GapOptions) -> GapAnalyser:
        from kotae.suggest.gaps import GapAnalyser

        return GapAnalyser(self.store, self.searcher, self.query_log, options)

    # --- what it answers ---------------------------------------------------------------------

    def search(self, query: str, *, audience: Audience = Audience.AGENT, k: int = 10,
               filters: SearchFilter | None = None) -> SearchResult:
        return self.searcher.search(query, audience=audience, k=k, filters=filters)

    def suggest(self, ticket: TicketIn) -> Suggestion:
        return self.suggester.suggest(ticket)

    def deflect(self, question: str, language: str | None = None) -> Deflection:
        return self.deflector().deflect(question, language)

    def warm_up(self) -> None:
        """Load the index, the models and the stores now (a server does, before it listens).

        Raises ``SnapshotNotFound`` when nothing was published yet (the rest is ready)."""
        ready = (self.store, self.query_log, self.keys, self.feedback, self.typeahead,
                 self.composer, self.suggester)
        log.debug("KB %s: %d services ready", self.home, len(ready))
        self.searcher.warm_up()

    def close(self) -> None:
        """Release the database connections."""
        store = self._made.get("store")
        if store is not None:
            store.engine.dispose()

    # --- writing -----------------------------------------------------------------------------

    def ingest(self, paths: Sequence[str | Path], defaults: Defaults | None = None, *,
               prune: bool = False, rebuild: bool = False, progress: IngestProgress | None = None,
               dry_run: bool = False, ray_address: str | None = None) -> IngestOutcome:
        """Load ``paths`` into the KB and publish a new index if anything changed.

        Only one writer at a time (``KBBusy`` otherwise). ``dry_run`` loads and compares but
        changes nothing (no snapshot, no quarantine update). ``ray_address`` loads, chunks and
        embeds on a Ray cluster ("local": one started here). Files that cannot be read are
        reported and kept in the quarantine; the rest go in.
        """
        from kotae.ingest import Quarantine, discover, ingest_paths
        from kotae.ingest.prepare import Preparer, prepare_locally

        progress = progress or IngestProgress()
        with kb_writer(self.home):
            files, problems = discover(paths)
            if progress.on_files:
                progress.on_files(len(files))
            preparer: Preparer = prepare_locally
            if ray_address is not None:
                from kotae.ingest.ray_prepare import RayPreparer

                preparer = RayPreparer(None if ray_address in ("", "local") else ray_address)
            report = ingest_paths(self.store, paths, defaults, prune=prune,
                                  on_file=progress.on_file, files=files, dry_run=dry_run,
                                  preparer=preparer)
            report.problems[:0] = problems
            if dry_run:
                hashes = {stable_hash(t, length=32) for t in report.new_texts}
                cached = self.store.get_embeddings(self.embedder.id, hashes)
                return IngestOutcome(report, None, would_embed=len(hashes) - len(cached))
            Quarantine(self.home).update(report.problems, report.loaded)
            embedder = self._ray_embedder(ray_address)
            build = self._build(embedder, progress.on_embed, rebuild)
            sentences = self._embed_sentences(embedder)
        return IngestOutcome(report, build, sentences_embedded=sentences)

    def publish(self) -> BuildResult:
        """Publish a new index after a direct change to the store (only new text is embedded);
        ``KBBusy`` while another writer holds the KB."""
        with kb_writer(self.home):
            build = self._build(self.embedder, None, False)
            self._embed_sentences(self.embedder)
            return build

    def learn(self, policy: LearnPolicy | None = None, *, publish: bool = True,
              on_source: Callable[[str], None] | None = None) -> tuple[LearnReport,
                                                                     BuildResult | None]:
        """Harvest phrasings from tickets, used drafts, votes and accepted gaps, approve what
        the policy (default: the KB's settings) approves, and publish, so that the approved
        phrasings train the question router (only new wordings are embedded). ``KBBusy``
        while another writer holds the KB."""
        from kotae.suggest.learning import LearnPolicy, harvest

        s = self.settings
        policy = policy or LearnPolicy(auto_approve=s.learn_auto_approve,
                                       min_voters=s.learn_min_voters)
        with kb_writer(self.home):
            report = harvest(self.store, self.searcher, self.feedback, self.query_log, policy,
                             on_source)
            build = self._build(self.embedder, None, False) if publish else None
        return report, build

    def _embed_sentences(self, embedder: Embedder) -> int:
        """Cache the vectors of every sentence the composer may quote (only new ones are
        embedded), so answers and drafts read them instead of computing them per request."""
        from kotae.suggest.compose import precompute
        from kotae.suggest.compose.meaning import quotable_texts

        done = precompute(quotable_texts(self.store), embedder, self.store)
        log.info("sentence vectors: %d newly embedded", done)
        return done

    def _build(self, embedder: Embedder, on_embed: Callable[[int, int], None] | None,
               force: bool) -> BuildResult:
        from kotae.retrieval import build_snapshot

        return build_snapshot(self.store, self.snapshots, embedder, self.tokenizer,
                              index_type=self.settings.index_type, on_embed=on_embed,
                              force=force)

    def _ray_embedder(self, address: str | None) -> Embedder:
        if address is None:
            return self.embedder
        from kotae.models.ray_embedder import RayEmbedder

        s = self.settings
        return RayEmbedder(s.embedder, s.embedder_model, expected_id=self.embedder.id,
                           address=None if address in ("", "local") else address)


def open_kb(settings: KBSettings | str | Path | None = None, *,
            embedder: Embedder | None = None, searcher: Searcher | None = None,
            retrieval: RetrievalConfig | None = None) -> KnowledgeBase:
    """The KB of ``settings`` (or of a directory, with the other settings from ``KOTAE_*``).

    Opening is cheap: the store, the models and the index load on first use.
    """
    if settings is None or isinstance(settings, str | Path):
        settings = KBSettings() if settings is None else KBSettings(home=Path(settings))
    return KnowledgeBase(settings, embedder=embedder, searcher=searcher, retrieval=retrieval)


__all__ = ["IngestOutcome", "IngestProgress", "KnowledgeBase", "open_kb"]
