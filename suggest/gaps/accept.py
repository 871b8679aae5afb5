"""Accept a proposal: store it as a draft FAQ entry, internal until someone publishes it.

The draft is a ``faq`` document of the source ``kotae:gaps`` with visibility ``internal`` and
``meta = {"status": "draft", "gap_id": ...}``: agents find it at once, customers do not. Its id
comes from the gap id, so accepting the same gap again updates the draft instead of adding a
second one. The caller publishes a new index afterwards (``app.services``).

Example:
    >>> doc = accept_proposal(store, report.gap("3f2a9c0d1e2b"), accepted_by="editor")
    >>> doc.visibility, doc.meta["status"]
    (<Visibility.INTERNAL: 'internal'>, 'draft')
"""

from __future__ import annotations

from datetime import UTC, datetime

from kotae.kb import Chunk, Document, KBStore, Kind, Visibility
from kotae.suggest.gaps.errors import NothingToAccept
from kotae.suggest.gaps.report import Gap

DRAFT_SOURCE = "kotae:gaps"
MAX_CHUNK_CHARS = 400
MAX_FIELD_CHARS = 5000


def answer_chunks(doc_id: str, question: str, answer: str,
                  max_chars: int = MAX_CHUNK_CHARS) -> list[Chunk]:
    """The answer's lines packed into chunks of at most ``max_chars``, the question as heading.

    >>> [c.text for c in answer_chunks("d1", "Q?", "一行目。\\n二行目。", max_chars=6)]
    ['一行目。', '二行目。']
    """
    pieces: list[str] = []
    for line in (ln.strip() for ln in answer.splitlines()):
        if not line:
            continue
        if pieces and len(pieces[-1]) + 1 + len(line) <= max_chars:
            pieces[-1] += "\n" + line
        else:
            pieces.append(line)
    return [Chunk.create(doc_id, n, text, heading=question) for n, text in enumerate(pieces)]


def draft_document(gap: Gap, question: str | None = None, answer: str | None = None,
                   product: str = "", category: str = "", accepted_by: str = "") -> Document:
    """The draft FAQ document for ``gap`` (an edited question or answer replaces the proposal)."""
    question = " ".join((question or gap.proposal.question).split())
    text = (answer if answer is not None else
            gap.proposal.answer if gap.proposal.has_answer else "").strip()
    if not text or not question:
        raise NothingToAccept(gap.id)
    if len(question) > MAX_FIELD_CHARS or len(text) > MAX_FIELD_CHARS:
        raise ValueError(f"question and answer must be at most {MAX_FIELD_CHARS} characters")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    meta = {"status": "draft", "gap_id": gap.id, "accepted_at": now,
            "accepted_by": accepted_by, "gap_label": gap.label, "gap_questions": gap.size,
            "question_ids": list(gap.question_ids),
            "cited_tickets": [c.ticket_id or c.doc_id for c in gap.proposal.citations]}
    return Document.create(
        source=DRAFT_SOURCE, key=gap.id, kind=Kind.FAQ, title=question, body=text,
        question=question, answer=text, language=gap.proposal.language,
        visibility=Visibility.INTERNAL, product=product, category=category,
        updated_at=now[:10], meta=meta)


def accept_proposal(store: KBStore, gap: Gap, question: str | None = None,
                    answer: str | None = None, accepted_by: str = "") -> Document:
    """Write the draft of ``gap`` into ``store`` (product and category from a cited ticket)."""
    cited = next((d for d in (store.get_document(c.doc_id) for c in gap.proposal.citations)
                  if d is not None), None)
    doc = draft_document(gap, question, answer, product=cited.product if cited else "",
                         category=cited.category if cited else "", accepted_by=accepted_by)
    chunks = answer_chunks(doc.id, doc.question, doc.answer)
    with store.session() as s:
        store.sync_source(s, DRAFT_SOURCE, [(doc, chunks)], remove_missing=False)
    return doc
