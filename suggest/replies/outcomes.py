"""Recording suggestions and what agents did with them ("use", "edited", "wrong").

Example:
    >>> feedback = FeedbackStore(KBStore.for_dir("var/kb"))
    >>> record_suggestion(feedback, ticket, suggestion)
    >>> record_outcome(feedback, suggestion.id, "edited", final_text="…", kept_citations=["S1"])
    >>> edit_distance("kitten", "sitting")
    3
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kotae.kb.feedback import OUTCOMES, FeedbackStore, OutcomeRecord, SuggestionRecord
from kotae.suggest.errors import InvalidTicket, SuggestionNotFound
from kotae.suggest.replies.types import Suggestion, TicketIn

MAX_FINAL_CHARS = 20_000


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance in characters, one numpy row at a time.

    Insertions within a row are a running minimum: ``D[j] = min_k≤j (T[k] + j - k)``, which is
    ``minimum.accumulate(T - j) + j``, so no Python loop runs over the columns.
    """
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    target = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    cols = np.arange(len(b) + 1, dtype=np.int64)
    row = cols.copy()
    for i, ch in enumerate(a, start=1):
        cost = (target != ord(ch)).astype(np.int64)
        best = np.empty_like(row)
        best[0] = i
        best[1:] = np.minimum(row[1:] + 1, row[:-1] + cost)
        row = np.minimum.accumulate(best - cols) + cols
    return int(row[-1])


def record_suggestion(feedback: FeedbackStore, ticket: TicketIn, suggestion: Suggestion) -> None:
    t = suggestion.triage
    feedback.add_suggestion(SuggestionRecord(
        id=suggestion.id, subject=ticket.subject, body=ticket.body, draft=suggestion.draft.text,
        language=suggestion.language, mode=suggestion.draft.mode.value,
        drafter=suggestion.draft.drafter, confidence=suggestion.confidence,
        category=t.category, priority=t.priority,
        escalation=t.escalate.reason if t.escalate else "",
        citations=[{"label": c.label, "doc_id": c.doc_id, "title": c.title, "url": c.url}
                   for c in suggestion.draft.citations],
        snapshot=suggestion.snapshot))


def record_outcome(feedback: FeedbackStore, suggestion_id: str, outcome: str,
                   final_text: str = "", kept_citations: Sequence[str] = (),
                   agent: str = "") -> OutcomeRecord:
    """Store what the agent did with a suggestion; the edit distance is measured against the
    stored draft (0 for "used" with no text: the draft went out as it was)."""
    if outcome not in OUTCOMES:
        raise InvalidTicket(f"unknown outcome {outcome!r}; allowed: {', '.join(OUTCOMES)}")
    if len(final_text) > MAX_FINAL_CHARS:
        raise InvalidTicket(f"final_text exceeds {MAX_FINAL_CHARS} characters")
    stored = feedback.get_suggestion(suggestion_id)
    if stored is None:
        raise SuggestionNotFound(suggestion_id)
    labels = {c["label"] for c in stored.citations}
    unknown = [c for c in kept_citations if c not in labels]
    if unknown:
        raise InvalidTicket(f"kept_citations {unknown} are not citations of this suggestion "
                            f"(it has {sorted(labels)})")
    final = final_text if final_text or outcome != "used" else stored.draft
    record = OutcomeRecord(suggestion_id=suggestion_id, outcome=outcome, final_text=final,
                           edit_distance=edit_distance(stored.draft, final) if final else 0,
                           kept_citations=list(kept_citations), agent=agent)
    feedback.add_outcome(record)
    return record
