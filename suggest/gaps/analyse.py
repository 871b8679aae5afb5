"""The FAQ-gap report: unanswered questions grouped by meaning, with duplicates and stale pages.

Example:
    >>> analyser = GapAnalyser(store, searcher, QueryLog(store), GapOptions(since_days=30))
    >>> report = analyser.report()
    >>> [(g.label, g.size) for g in report.gaps]
    [('角印・印影・画像', 4), ('USD・ドル・通貨', 4)]
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from kotae.kb import Chunk, Document, KBStore, Kind, QueryLog
from kotae.kb.phrasings import PhrasingStore
from kotae.retrieval import Audience, Searcher
from kotae.suggest.gaps.accept import DRAFT_SOURCE
from kotae.suggest.gaps.assemble import assemble_gap
from kotae.suggest.gaps.cluster import center_by_language, cluster_vectors, clusters_of
from kotae.suggest.gaps.collect import (
    TicketCheck,
    is_resolved,
    questions_from_events,
    questions_from_tickets,
    reply_coverage,
    ticket_time,
)
from kotae.suggest.gaps.duplicates import article_text, find_duplicates, is_public_article
from kotae.suggest.gaps.label import is_label_term, surfaces
from kotae.suggest.gaps.options import GapOptions
from kotae.suggest.gaps.report import DuplicatePair, Gap, GapReport, Question
from kotae.suggest.gaps.stale import find_stale
from kotae.suggest.gaps.timeline import parse_time
from kotae.suggest.gaps.usage import learning_effect, week_stats
from kotae.suggest.gaps.vectors import background_texts, document_vectors, question_vectors

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]  # (stage, done, total)
REPLY_HITS = 3  # a ticket's reply is compared with this many of its closest public articles


class GapAnalyser:
    """Builds gap reports over one KB: its store, its serving snapshot and its query log.

    The threshold is the KB's answer threshold unless given. The analyser holds no state
    between reports except a cache of article words; make one per request or command.

    Example:
        >>> analyser = GapAnalyser(store, searcher, QueryLog(store), GapOptions(min_size=2))
        >>> report = analyser.report(now=datetime(2026, 11, 24, tzinfo=UTC))
        >>> report.gaps[0].proposal.question
        'ドル建ての請求書は作れますか'
    """

    def __init__(self, store: KBStore, searcher: Searcher, query_log: QueryLog | None = None,
                 options: GapOptions | None = None, threshold: float | None = None) -> None:
        self.threshold = searcher.config.answer_threshold if threshold is None else threshold
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"answer threshold must be in [0, 1], got {self.threshold}")
        self.store, self.searcher = store, searcher
        self.log = query_log or QueryLog(store)
        self.options = options or GapOptions()
        self._terms: dict[str, set[str]] = {}
        self._docs: dict[str, Document] = {}

    def terms(self, doc: Document) -> set[str]:
        """Content words of an article (cached for the analyser's life)."""
        if doc.id not in self._terms:
            self._terms[doc.id] = set(self.searcher.tokenizer.tokens(article_text(doc)))
        return self._terms[doc.id]

    def check_ticket(self, doc: Document) -> TicketCheck:
        """The public articles' best confidence for the ticket's subject, and how much of its
        reply the closest ``REPLY_HITS`` of them contain."""
        result = self.searcher.search(doc.title or doc.body[:200], audience=Audience.PUBLIC,
                                      k=REPLY_HITS)
        articles = [d for d in (self._docs.get(h.doc_id) for h in result.hits) if d is not None]
        covered = set().union(*(self.terms(d) for d in articles)) if articles else set()
        reply = set(self.searcher.tokenizer.tokens(doc.answer)) if is_resolved(doc) else set()
        return TicketCheck(result.confidence, result.hits[0].doc_id if result.hits else "",
                           reply_coverage(reply, covered))

    def report(self, now: datetime | None = None, on_progress: Progress | None = None
               ) -> GapReport:
        """The report as of ``now`` (default: the current time)."""
        now = now or datetime.now(UTC)
        opts = self.options
        since = now - timedelta(days=opts.since_days) if opts.since_days else None
        events = self.log.events(since=since.isoformat(timespec="milliseconds") if since
                                 else None, limit=opts.max_events)
        pairs = list(self.store.iter_chunks_with_documents())
        self._docs = {d.id: d for _c, d in pairs}
        docs = list(self._docs.values())
        questions = questions_from_events(events, self.threshold)
        if opts.include_tickets:
            tickets = [d for d in docs if d.kind is Kind.TICKET and _after(ticket_time(d), since)]
            questions += questions_from_tickets(tickets, self.check_ticket, self.threshold)
        gaps, clustered = self._gaps(questions, docs, now, on_progress)
        link_drafts(gaps, [d for d in docs if d.source == DRAFT_SOURCE])
        articles = [d for d in docs if is_public_article(d)]
        weeks = week_stats(events, questions, until=now.isoformat(),
                           learnt_at=[t for t in PhrasingStore(self.store).approved_at()
                                      if _after(t, since)])
        return GapReport(
            generated_at=now.isoformat(timespec="seconds"),
            since=since.isoformat(timespec="seconds") if since else None,
            threshold=self.threshold, candidates=len(questions), gaps=gaps,
            duplicates=self._duplicates(pairs, articles), stale=find_stale(
                articles, events, now, opts.stale_months),
            weeks=weeks, unclustered=len(questions) - clustered,
            learning=learning_effect(weeks))

    def _gaps(self, questions: list[Question], docs: list[Document], now: datetime,
              on_progress: Progress | None) -> tuple[list[Gap], int]:
        if not questions:
            return [], 0
        progress = (lambda done, total: on_progress("embed questions", done, total)
                    ) if on_progress else None
        embedder = self.searcher.embedder
        raw = question_vectors([q.text for q in questions], embedder, self.store,
                               on_progress=progress)
        texts, languages = background_texts(docs)
        background = question_vectors(texts, embedder, self.store)
        vectors = center_by_language(raw, [q.language for q in questions], background,
                                     languages)
        opts = self.options
        labels = cluster_vectors(vectors, opts.distance_threshold, opts.method, opts.min_size,
                                 languages=[q.language for q in questions])
        groups = clusters_of(labels, opts.min_size)
        analysed = [(q.text, self.searcher.tokenizer.analyse(q.text)) for q in questions]
        # Sudachi spells English words in katakana ("not" → ノット): judge the written form.
        terms = [{t.term for t in spans if is_label_term(text[t.begin:t.end].lower())}
                 for text, spans in analysed]
        spelled = surfaces((t.term, text[t.begin:t.end]) for text, spans in analysed
                           for t in spans)
        gaps = [assemble_gap([questions[i] for i in g], vectors[g], [terms[i] for i in g],
                             terms, now, spelled) for g in groups]
        gaps.sort(key=lambda g: (-g.score, -g.size, g.id))
        log.info("gap report: %d questions, %d gaps", len(questions), len(gaps))
        return gaps[:opts.max_gaps], sum(len(g) for g in groups)

    def _duplicates(self, pairs: list[tuple[Chunk, Document]], articles: list[Document]
                    ) -> list[DuplicatePair]:
        public = [(c, d) for c, d in pairs if is_public_article(d)]
        vectors = document_vectors(public, self.searcher.embedder.id, self.store)
        return find_duplicates(articles, vectors, self.terms,
                               min_similarity=self.options.duplicate_similarity)


def _after(when: str, since: datetime | None) -> bool:
    if since is None:
        return True
    parsed = parse_time(when)
    return parsed is not None and parsed >= since


def link_drafts(gaps: list[Gap], drafts: list[Document]) -> None:
    """Each gap's accepted draft: the one accepted for its id, else the one whose questions it
    holds most of (a gap is named after its first question, and a new index can move that
    question out of it while the rest stay); such a gap keeps the id it was accepted under."""
    for draft in drafts:
        gap = next((g for g in gaps if g.id == draft.meta.get("gap_id")), None)
        if gap is None:
            asked = set(draft.meta.get("question_ids") or [])
            shared = [(len(asked & set(g.question_ids)), g) for g in gaps if not g.draft_doc_id]
            best = max(shared, key=lambda pair: pair[0], default=(0, None))
            gap = best[1] if best[0] * 2 > len(asked) else None
        if gap is not None and not gap.draft_doc_id:
            gap.draft_doc_id = draft.id
            gap.id = str(draft.meta.get("gap_id") or gap.id)
