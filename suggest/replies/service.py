"""The one core function: a ticket in, a ``Suggestion`` out.

Retrieval over articles and over past tickets → sentiment, escalation, triage → a drafter
(grounded composer by default) in the mode the confidence allows → the suggestion.

Example:
    >>> suggester = Suggester(searcher, KBStore.for_dir("var/kb"), JapaneseTokenizer())
    >>> s = suggest_reply(TicketIn("請求書が送れない", "エラーになります"), suggester)
    >>> s.draft.text, s.triage.escalate
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kotae.kb import KBStore, Kind
from kotae.kb.text import reply_language
from kotae.retrieval import Audience, Searcher, SearchFilter, SearchResult
from kotae.retrieval.protocols import Tokenizer
from kotae.suggest.compose import Composer, Source
from kotae.suggest.compose.questions import lead_in, split_questions
from kotae.suggest.replies import sources as src
from kotae.suggest.replies.drafter import Drafter, DraftRequest, GroundedDrafter
from kotae.suggest.replies.escalation import decide_escalation
from kotae.suggest.replies.rules import EscalationRules
from kotae.suggest.replies.sentiment import score_sentiment
from kotae.suggest.replies.triage import LabelledNeighbour, triage_ticket
from kotae.suggest.replies.types import DraftMode, Suggestion, TicketIn

ARTICLES = frozenset({Kind.MANUAL, Kind.FAQ})
TICKETS = frozenset({Kind.TICKET})


@dataclass(frozen=True)
class SuggestOptions:
    """Tuning of a suggestion; ``answer_threshold`` None means ``draft_bar`` times the KB's
    (an agent reads every draft before it is sent, so a draft may answer from its sources where
    the answer a customer reads on their own would hand off)."""

    article_k: int = 8
    ticket_k: int = 10
    similar_shown: int = 5
    draft_articles: int = 4  # articles the draft may quote (the best ones)
    question_articles: int = 2  # more, for each question of a ticket that asks several
    reply_min_similarity: float = 0.88  # cosine at which a past reply may be quoted
    clarify_min_confidence: float = 0.02  # below this, say the case will be investigated
    query_chars: int = 1000
    answer_threshold: float | None = None
    draft_bar: float = 0.5

    def __post_init__(self) -> None:
        for name in ("article_k", "ticket_k", "similar_shown", "draft_articles", "query_chars",
                     "question_articles"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.answer_threshold is not None and not 0 <= self.answer_threshold <= 1:
            raise ValueError(f"answer_threshold must be in [0, 1], got {self.answer_threshold}")
        if not 0 < self.draft_bar <= 1:
            raise ValueError(f"draft_bar must be in (0, 1], got {self.draft_bar}")


class Suggester:
    """Everything ``suggest_reply`` needs from one KB, built once and shared (thread-safe).

    Example:
        >>> suggester = Suggester(searcher, KBStore.for_dir(home), JapaneseTokenizer())
        >>> suggester.suggest(TicketIn("パスワードを忘れた", "")).draft.text
    """

    def __init__(self, searcher: Searcher, documents: src.DocumentLookup, tokenizer: Tokenizer,
                 rules: EscalationRules | None = None, drafter: Drafter | None = None,
                 options: SuggestOptions | None = None, composer: Composer | None = None) -> None:
        self.searcher = searcher
        self.documents = documents
        self.rules = rules or EscalationRules.load(searcher.snapshots.kb_dir)
        # The composer's sentence vectors live in the KB store's embedding cache when it has one.
        composer = composer or Composer.for_searcher(
            searcher, documents if isinstance(documents, KBStore) else None)
        self.drafter = drafter or GroundedDrafter(tokenizer, composer=composer)
        self.options = options or SuggestOptions()

    @property
    def answer_threshold(self) -> float:
        configured = self.options.answer_threshold
        return (self.searcher.config.answer_threshold * self.options.draft_bar
                if configured is None else configured)

    def suggest(self, ticket: TicketIn) -> Suggestion:
        return suggest_reply(ticket, self)


def _search_articles(s: Suggester, query: str, language: str,
                     products: frozenset[str]) -> SearchResult:
    opts = s.options
    result = s.searcher.search(query, audience=Audience.AGENT, k=opts.article_k,
                               filters=SearchFilter(kinds=ARTICLES, products=products))
    if language not in {h.language for h in result.hits[:3]}:
        # Few articles are in the customer's language: look for those too (same ranking rules).
        extra = s.searcher.search(query, audience=Audience.AGENT, k=3, filters=SearchFilter(
            kinds=ARTICLES, products=products, languages=frozenset({language})))
        seen = {h.doc_id for h in result.hits}
        result.hits += [h for h in extra.hits if h.doc_id not in seen]
    return result


def _question_sources(s: Suggester, questions: list[str], products: frozenset[str],
                      seen: set[str]) -> tuple[list[Source], list[str]]:
    """The articles that answer each question searched on its own, new ones only, and the
    document each question's search found first when it was sure of it ("" otherwise: a
    first hit the confidence does not back would lead the question's paragraph with an FAQ
    entry about something else, as 「定期請求」 did for 「税理士には見るだけにできますか」)."""
    out, leads = [], []
    for question in questions:
        result = s.searcher.search(question, audience=Audience.AGENT,
                                   k=s.options.question_articles,
                                   filters=SearchFilter(kinds=ARTICLES, products=products),
                                   snippets=False)  # its hits are read whole, never shown
        hits = result.hits
        leads.append(hits[0].doc_id if hits and result.confidence >= s.answer_threshold else "")
        for found in src.article_sources(hits, s.documents, limit=s.options.question_articles):
            if found.doc_id not in seen:
                seen.add(found.doc_id)
                out.append(found)
    return out, leads


def suggest_reply(ticket: TicketIn, suggester: Suggester) -> Suggestion:
    """Draft a reply to ``ticket`` with citations, similar tickets, triage and escalation."""
    s, opts = suggester, suggester.options
    language = ticket.language or reply_language(ticket.text)
    query = ticket.text[:opts.query_chars]
    products = frozenset({ticket.product}) if ticket.product else frozenset()
    articles = _search_articles(s, query, language, products)
    # Similar tickets are shown whole (subject, body, reply), never as snippets.
    past = s.searcher.search(query, audience=Audience.AGENT, k=opts.ticket_k,
                             filters=SearchFilter(kinds=TICKETS, products=products),
                             snippets=False)
    tickets = src.similar_tickets(past.hits, s.documents)
    confidence = articles.confidence
    confident = confidence >= s.answer_threshold

    sentiment = score_sentiment(ticket.text, s.rules.sentiment)
    escalation = decide_escalation(ticket.text, sentiment, s.rules, confident)

    options = src.article_sources(articles.hits, s.documents, limit=opts.article_k)
    sources = options[:opts.draft_articles]
    asked = split_questions(ticket.body)
    asked = asked if len(asked) > 1 else [ticket.text]
    leads: list[str] = []
    if len(asked) > 1:  # what answers each question, not only the ticket as a whole
        context = lead_in(ticket.body)
        more, leads = _question_sources(s, [context + q for q in asked], products,
                                        {x.doc_id for x in sources})
        sources += more
    replies = src.reply_sources(tickets, language, opts.reply_min_similarity)
    sources += replies
    rule = s.rules.rule(escalation.reason) if escalation else None
    if rule is not None and not rule.answer:  # a person takes over: no answer is drafted
        mode = DraftMode.INVESTIGATE
    elif confident:
        mode = DraftMode.ANSWER
    elif replies:
        # No article is sure; the replies to close resolved tickets are quoted alone (held-back
        # tickets: the real reply's points covered 0.324 → 0.352, citation precision 0.879 →
        # 0.899, answered 0.836 → 0.885; docs/benchmarks.md).
        mode, sources = DraftMode.ANSWER, list(replies)
    elif confidence >= opts.clarify_min_confidence and len(options) >= 2:
        mode = DraftMode.CLARIFY
    else:
        mode = DraftMode.INVESTIGATE
    request = DraftRequest(ticket, language, mode, sources, sentiment.label, options, asked,
                           leads)
    draft = s.drafter.draft(request)
    if escalation is None and draft.mode is not DraftMode.ANSWER:
        # Retrieval was sure of an article, but nothing in the sources answers the ticket: it
        # needs a person as much as a ticket retrieval was unsure of.
        escalation = decide_escalation(ticket.text, sentiment, s.rules, confident=False)
    neighbours = [LabelledNeighbour(t.category, t.priority, t.score) for t, _ in tickets]
    triage = triage_ticket(neighbours, sentiment, escalation, s.rules, ticket.customer_tier,
                           ticket.text)

    resolved = [t for t, _ in tickets if src.is_resolved(t)][:opts.similar_shown]
    return Suggestion(
        id=uuid.uuid4().hex, language=language, draft=draft, confidence=confidence,
        similar_tickets=resolved, triage=triage, faq_suggestions=src.faq_links(articles.hits),
        candidates=src.candidates(articles.hits), snapshot=articles.snapshot)
