"""The editors' review queue of phrasings learnt from use (editor keys and above):
``GET /v1/phrasings`` (by document, with source and score), ``POST /v1/phrasings/{id}``
(approve, reject, or move to another document) and ``POST /v1/phrasings/publish`` (publish a
new index, so that the approved phrasings train the question router). ``kotae learn`` harvests
the candidates. Phrasings are customers' wording: no public route ever shows them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, Field

from kotae.app.api.auth import Role, allow
from kotae.app.api.deps import CallerDep, KBDep, ServicesDep
from kotae.app.api.schemas.common import ErrorOut
from kotae.kb import KBBusy, Kind
from kotae.kb.phrasings import DECISIONS, SOURCES, STATUSES, Phrasing
from kotae.knowledge_base import KnowledgeBase

router = APIRouter(tags=["learning"])
ERRORS = {401: {"model": ErrorOut, "description": "No key, or an unknown or revoked one."},
          403: {"model": ErrorOut, "description": "The key's role is below editor."}}
Status = Literal["candidate", "approved", "rejected"]
Source = Literal["ticket", "suggestion", "vote", "gap"]
assert set(Status.__args__) == set(STATUSES) and set(Source.__args__) == set(SOURCES)  # type: ignore[attr-defined]


class PhrasingOut(BaseModel):
    id: int
    doc_id: str = Field(description="The document the wording asks for.")
    title: str = Field(description="That document's title ('' when it is gone).")
    text: str = Field(description="The customer's wording (personal data redacted).")
    source: Source = Field(description="ticket: a past ticket whose reply used the document; "
                           "suggestion: a draft an agent used with this citation; vote: "
                           "customers voted the answer helpful; gap: an accepted FAQ gap.")
    score: float = Field(description="How sure the link is, 0–1 (a citation, a person's "
                         "choice or an accepted gap: 1).")
    status: Status
    created_at: str
    decided_at: str
    decided_by: str = Field(description="The key that decided (its name), or 'auto'.")


class QueueOut(BaseModel):
    counts: dict[str, dict[str, int]] = Field(description="status → source → phrasings.")
    items: list[PhrasingOut]


class DecisionIn(BaseModel):
    decision: Literal["approve", "reject", "move"] = Field(
        description="approve: teach it; reject: never (it does not come back from the same "
                    "source); move: it asks for another document (doc_id), approved there.")
    doc_id: str | None = Field(None, min_length=1, max_length=64,
                               description="With move: the document it asks for.")


class PublishOut(BaseModel):
    published: bool = Field(description="False when nothing changed since the last index.")
    snapshot: str
    router_phrasings: int = Field(description="Phrasings the question router learnt from.")


assert set(DecisionIn.model_fields["decision"].annotation.__args__) == set(DECISIONS)  # type: ignore[union-attr]


def _out(p: Phrasing, titles: dict[str, str]) -> PhrasingOut:
    return PhrasingOut(**{**p.__dict__, "title": titles.get(p.doc_id, "")})


def _titles(kb: KnowledgeBase, doc_ids: set[str]) -> dict[str, str]:
    docs = (kb.store.get_document(d) for d in doc_ids)
    return {d.id: d.title for d in docs if d is not None}


@router.get("/v1/phrasings", response_model=QueueOut, responses=ERRORS,
            summary="Phrasings learnt from use, by document", **allow(Role.EDITOR))
def queue(kb: KBDep, status: Status | None = "candidate", source: Source | None = None,
          doc_id: Annotated[str | None, Query(max_length=64)] = None,
          limit: Annotated[int, Query(ge=1, le=500)] = 100,
          offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> QueueOut:
    """Candidates by default (``status=approved`` or ``rejected`` for the decided ones),
    grouped by document, best score first."""
    items = kb.phrasings.find(status=status, source=source, doc_id=doc_id, limit=limit,
                              offset=offset)
    titles = _titles(kb, {p.doc_id for p in items})
    return QueueOut(counts=kb.phrasings.counts(), items=[_out(p, titles) for p in items])


@router.post("/v1/phrasings/publish", response_model=PublishOut,
             responses={**ERRORS, 409: {"model": ErrorOut, "description": "An ingest is "
                                                                           "running."}},
             summary="Publish a new index with the approved phrasings", **allow(Role.EDITOR))
def publish(kb: KBDep) -> PublishOut:
    """Only new wordings are embedded; the question router is fitted again."""
    try:
        build = kb.publish()
    except KBBusy as exc:
        raise HTTPException(409, str(exc)) from None
    return PublishOut(published=build.published, snapshot=kb.snapshots.version() or "",
                      router_phrasings=build.manifest.router_phrasings)


@router.post("/v1/phrasings/{phrasing_id}", response_model=PhrasingOut,
             responses={**ERRORS, 404: {"model": ErrorOut, "description": "No such phrasing, "
                                        "or no such document to move it to."},
                        422: {"model": ErrorOut}},
             summary="Approve, reject or move a phrasing", **allow(Role.EDITOR))
def decide(kb: KBDep, caller: CallerDep, services: ServicesDep, body: DecisionIn,
           phrasing_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> PhrasingOut:
    """Takes effect in the index at the next publish (``POST /v1/phrasings/publish``, an
    ingest, or ``kotae learn``); the gap report's weeks count an approval at once."""
    if body.decision == "move":
        if not body.doc_id:
            raise HTTPException(422, "move needs doc_id: the document the wording asks for")
        target = kb.store.get_document(body.doc_id)
        if target is None or target.kind is Kind.TICKET:
            raise HTTPException(404, f"no FAQ entry or article {body.doc_id!r}")
    try:
        p = kb.phrasings.decide(phrasing_id, body.decision, caller.label, body.doc_id)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    with services.gap_lock:  # the gap report's weeks count the phrasings approved
        services.gap_reports.clear()
    return _out(p, _titles(kb, {p.doc_id}))
