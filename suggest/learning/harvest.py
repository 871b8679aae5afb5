"""Harvest phrasings from use: which customer wording asked for which document.

Four sources, each giving ``Candidate`` phrasings (wording → document, with a score in [0, 1]):

1. **Past tickets** (``from_tickets``): the customer's wording (the ticket's subject, or the
   start of its message) linked to the FAQ entry or article the agent's reply used. A reply that
   links a document's URL cites it (score 1). Otherwise the link is inferred: the reply's
   answer sentences (its greeting, apologies, sign-off and that customer's details dropped, as
   the gap report does) are searched among FAQ entries and articles (agent audience, no
   tickets) and the top document
   taken, scored by the searcher's calibrated confidence for that search; when the customer's
   own wording finds the same document first, the two are independent evidence and the score
   is their noisy-or, ``1 - (1 - c_reply)(1 - c_wording)``. A ticket without a reply gives
   nothing.
2. **Suggestions agents used** (``from_suggestions``): the ticket's wording linked to every
   citation the agent kept when they marked the draft used or edited (score 1: a person chose
   it). A draft marked wrong gives nothing.
3. **Helpful votes** (``from_votes``): a question linked to the document answered, once
   ``min_clients`` different clients (as the rate limiter counts them) voted it helpful; the
   score is the share of those clients' votes that were helpful. One client, however many
   votes, never gives a candidate.
4. **Accepted gaps** (``from_gaps``): the questions of a gap an editor accepted become phrasings
   of the new entry (score 1).

Example:
    >>> candidates = from_tickets(store, searcher)
    >>> candidates[0].source, candidates[0].score
    ('ticket', 0.97)
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable

from kotae.kb import Audience, Document, KBStore, Kind, QueryLog
from kotae.kb.feedback import FeedbackStore
from kotae.kb.phrasings import Candidate
from kotae.retrieval import Searcher, SearchFilter
from kotae.suggest.gaps.accept import DRAFT_SOURCE
from kotae.suggest.gaps.propose import answer_sentences

ARTICLES = SearchFilter(kinds=frozenset({Kind.FAQ, Kind.MANUAL}))
MAX_REPLY_CHARS = 1000  # what the reply search reads (the embedder reads ~512 tokens anyway)
MAX_WORDING_CHARS = 200
_URL = re.compile(r"https?://[^\s<>\"'）)」』】]+")


def wording(subject: str, body: str) -> str:
    """What the customer asked in their own words: the subject, else the message's start."""
    return " ".join((subject or body).strip().split())[:MAX_WORDING_CHARS]


def ticket_wording(doc: Document) -> str:
    return wording(doc.title, doc.body)


def document_urls(docs: Iterable[Document]) -> dict[str, str]:
    """URL (no trailing slash) → id of the FAQ entries and articles a reply may link to."""
    return {d.url.rstrip("/"): d.id for d in docs if d.url and d.kind is not Kind.TICKET}


def _top(searcher: Searcher, text: str) -> tuple[str, float]:
    result = searcher.search(text, audience=Audience.AGENT, k=1, filters=ARTICLES,
                             snippets=False)
    return (result.hits[0].doc_id, result.confidence) if result.hits else ("", 0.0)


def link_reply(searcher: Searcher, wording: str, reply: str,
               by_url: dict[str, str]) -> tuple[str, float] | None:
    """(document, score) the agent's ``reply`` used, or None when it finds nothing."""
    for url in _URL.findall(reply):
        doc_id = by_url.get(url.rstrip("/.。"))
        if doc_id:
            return doc_id, 1.0
    # What the reply answers, without its greeting, apologies, sign-off and this customer's
    # details (the gap report's rule for a reply's answer sentences).
    content = " ".join(s.text for s in answer_sentences(reply)) or reply
    doc_id, c_reply = _top(searcher, content[:MAX_REPLY_CHARS])
    if not doc_id:
        return None
    asked, c_wording = _top(searcher, wording) if wording else ("", 0.0)
    score = 1 - (1 - c_reply) * (1 - c_wording) if asked == doc_id else c_reply
    return doc_id, min(max(score, 0.0), 1.0)


def from_tickets(store: KBStore, searcher: Searcher,
                 done: Collection[str] = ()) -> list[Candidate]:
    """Phrasings from the past tickets in ``store`` (see the module's doc), except the
    tickets whose ids are in ``done`` (harvested before: a nightly run reads only new ones)."""
    docs = store.documents()
    by_url = document_urls(docs)
    out: list[Candidate] = []
    for doc in docs:
        if doc.kind is not Kind.TICKET or not doc.answer.strip() or doc.id in done:
            continue
        wording = ticket_wording(doc)
        link = link_reply(searcher, wording, doc.answer, by_url) if wording else None
        if link is not None:
            out.append(Candidate(link[0], wording, "ticket", doc.id, round(link[1], 4)))
    return out


def from_suggestions(feedback: FeedbackStore) -> list[Candidate]:
    """Phrasings from drafts an agent used or edited, linked to the citations they kept (the
    last outcome of a suggestion counts)."""
    last = {o.suggestion_id: o for o in feedback.outcomes()}
    out: list[Candidate] = []
    for suggestion_id, outcome in last.items():
        if outcome.outcome == "wrong" or not outcome.kept_citations:
            continue
        suggestion = feedback.get_suggestion(suggestion_id)
        if suggestion is None:
            continue
        wording = " ".join((suggestion.subject or suggestion.body).split())[:MAX_WORDING_CHARS]
        by_label = {c.get("label"): c.get("doc_id") for c in suggestion.citations}
        kept = {by_label.get(c, c) for c in outcome.kept_citations}
        cited = {c.get("doc_id") for c in suggestion.citations}
        for doc_id in sorted(d for d in kept if d in cited):
            out.append(Candidate(doc_id, wording, "suggestion", suggestion_id, 1.0))
    return out


def from_votes(log: QueryLog, min_clients: int, since: str | None = None) -> list[Candidate]:
    """Phrasings from questions that ``min_clients`` different clients voted helpful."""
    if min_clients < 1:
        raise ValueError(f"min_clients must be at least 1, got {min_clients}")
    helpful: dict[tuple[str, str], set[str]] = defaultdict(set)
    voted: dict[tuple[str, str], set[str]] = defaultdict(set)
    wording: dict[tuple[str, str], str] = {}
    for text, norm, doc_id, client, is_helpful in log.votes(since):
        key = (norm, doc_id)
        voted[key].add(client)
        wording.setdefault(key, text)
        if is_helpful:
            helpful[key].add(client)
        else:
            helpful[key].discard(client)  # a client's last vote counts
    out = []
    for key, clients in helpful.items():
        if len(clients) >= min_clients:
            out.append(Candidate(key[1], wording[key], "vote", key[0][:128],
                                 round(len(clients) / len(voted[key]), 4)))
    return out


def from_gaps(store: KBStore, log: QueryLog) -> list[Candidate]:
    """Phrasings from accepted gaps: each question of the gap, for its new entry."""
    out = []
    for doc in store.documents(kind=Kind.FAQ, source=DRAFT_SOURCE):
        for event_id in doc.meta.get("question_ids", []):
            event = log.get(str(event_id))
            if event is not None and event.query.strip():
                out.append(Candidate(doc.id, event.query, "gap", str(event_id), 1.0))
    return out
