"""From search hits to what the drafter and the agent see: sources, similar tickets, candidates.

Only public articles and FAQ entries become draft sources (internal articles are for agents,
never for customers); resolved tickets' replies do too, because they were sent to customers.

Example:
    >>> docs = DocumentCache(KBStore.for_dir("var/kb"))
    >>> sources = article_sources(result.hits, docs)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from kotae.kb import Document, Hit, Kind, customer_may_read
from kotae.suggest.compose import Source
from kotae.suggest.replies.types import Candidate, SimilarTicket

RESOLVED = frozenset({"solved", "resolved", "closed"})
TICKET_SOURCE_WEIGHT = 0.8  # a past reply counts a little less than an article


class DocumentLookup(Protocol):
    """What suggest needs from the KB store (``kb.KBStore`` fits)."""

    def get_documents(self, doc_ids: Sequence[str]) -> dict[str, Document]: ...


def _relative(hits: Sequence[Hit]) -> list[float]:
    best = max((h.score for h in hits), default=0.0)
    return [h.score / best if best > 0 else 0.0 for h in hits]


def similarity(hit: Hit) -> float:
    """The hit's dense cosine, or its fused score when the dense arm did not find it."""
    dense = hit.scores.get("dense")
    return float(dense) if dense is not None else float(hit.score)


def article_sources(hits: Sequence[Hit], docs: DocumentLookup, limit: int = 4) -> list[Source]:
    """Public articles and FAQ answers among ``hits``, with their whole text."""
    out: list[Source] = []
    stored = docs.get_documents([h.doc_id for h in hits if customer_may_read(h)])
    for hit, rel in zip(hits, _relative(hits), strict=True):
        if not customer_may_read(hit):
            continue
        doc = stored.get(hit.doc_id)
        if doc is None:
            continue
        text = (doc.answer or doc.body) if doc.kind is Kind.FAQ else doc.body
        title = (doc.question or doc.title) if doc.kind is Kind.FAQ else doc.title
        out.append(Source(doc.id, doc.kind.value, title, doc.url, text, doc.language, rel,
                          focus=hit.text, visibility=doc.visibility.value))
        if len(out) == limit:
            break
    return out


def similar_tickets(hits: Sequence[Hit], docs: DocumentLookup) -> list[tuple[SimilarTicket, Hit]]:
    """Every ticket among ``hits`` with its stored labels and reply, best first."""
    out = []
    stored = docs.get_documents([h.doc_id for h in hits if h.kind is Kind.TICKET])
    for hit in hits:
        doc = stored.get(hit.doc_id)
        if doc is None or doc.kind is not Kind.TICKET:
            continue
        meta = doc.meta
        out.append((SimilarTicket(
            doc_id=doc.id, ticket_id=str(meta.get("ticket_id", "")), subject=doc.title,
            body=doc.body, reply=doc.answer, status=str(meta.get("status") or ""),
            category=doc.category, priority=str(meta.get("priority") or ""),
            escalation=str(meta.get("escalation") or ""),
            created_at=str(meta.get("created_at") or ""), score=round(similarity(hit), 4)), hit))
    return out


def is_resolved(ticket: SimilarTicket) -> bool:
    return ticket.status.lower() in RESOLVED and bool(ticket.reply.strip())


def reply_sources(tickets: Sequence[tuple[SimilarTicket, Hit]], language: str,
                  min_similarity: float, limit: int = 3) -> list[Source]:
    """Replies of resolved tickets in ``language`` at least ``min_similarity`` close."""
    chosen = [(t, h) for t, h in tickets
              if is_resolved(t) and t.score >= min_similarity and h.language == language][:limit]
    rel = _relative([h for _, h in chosen])
    return [Source(t.doc_id, "ticket", f"{t.ticket_id} {t.subject}".strip(), h.url, t.reply,
                   h.language, r * TICKET_SOURCE_WEIGHT, visibility="internal",
                   asked=f"{t.subject}\n{t.body}")
            for (t, h), r in zip(chosen, rel, strict=True)]


def candidates(hits: Sequence[Hit]) -> list[Candidate]:
    return [Candidate(doc_id=h.doc_id, kind=h.kind.value, title=h.title, url=h.url,
                      snippet=h.snippet, visibility=h.visibility.value, score=round(h.score, 4))
            for h in hits]


def faq_links(hits: Sequence[Hit], limit: int = 3, min_relative: float = 0.6) -> list[Candidate]:
    """Public FAQ entries close enough to the best hit to be worth sending as links."""
    pairs = zip(candidates(hits), _relative(hits), hits, strict=True)
    return [c for c, rel, h in pairs if h.kind is Kind.FAQ and customer_may_read(h)
            and rel >= min_relative][:limit]
