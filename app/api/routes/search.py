"""``GET /v1/search`` and ``GET /healthz``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from kotae.app.api.auth import Role, allow
from kotae.app.api.deps import RoleDep, SearcherDep
from kotae.app.api.schemas.common import ErrorOut, HealthOut, SearchOut
from kotae.kb import Kind, SnapshotNotFound, Visibility, may_read
from kotae.retrieval import MAX_K, SearchFilter

router = APIRouter()
MAX_QUERY_CHARS = 500


@router.get("/healthz", response_model=HealthOut, tags=["service"],
            summary="Liveness and the serving snapshot", **allow(Role.PUBLIC))
def healthz(searcher: SearcherDep) -> HealthOut:
    try:
        manifest = searcher.manifest()
    except SnapshotNotFound:
        return HealthOut(status="no-index")
    return HealthOut(status="ok", snapshot=searcher.snapshots.version(),
                     documents=manifest.documents, chunks=manifest.chunks,
                     embedder=manifest.embedder)


@router.get(
    "/v1/search", response_model=SearchOut, tags=["search"],
    summary="Hybrid search (BM25 + dense) over the knowledge base",
    responses={401: {"model": ErrorOut, "description": "Internal content or tickets asked "
                     "without a key, or an unknown or revoked key."},
               503: {"model": ErrorOut, "description": "No index has been built yet."}},
            **allow(Role.PUBLIC))
def search(
    searcher: SearcherDep,
    role: RoleDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS,
                            description="The question or keywords, Japanese or English.")],
    k: Annotated[int, Query(ge=1, le=MAX_K, description="Number of documents.")] = 10,
    kind: Annotated[Kind | None, Query(description="Only this kind of document.")] = None,
    lang: Annotated[str | None, Query(max_length=8, pattern=r"^[A-Za-z-]+$",
                                      description="Only documents in this language.")] = None,
    visibility: Annotated[Visibility | None, Query(
        description="Agents only: restrict to public or internal.")] = None,
    product: Annotated[str | None, Query(max_length=128, description="Only this product.")] = None,
) -> SearchOut:
    """Public callers get public articles and FAQ only; agents also internal articles and
    past tickets. Filters apply before top-k."""
    if not may_read(role.audience, kind or Kind.FAQ, visibility or Visibility.PUBLIC):
        raise HTTPException(401, "internal articles and past tickets need an agent API key "
                            "(Authorization: Bearer KEY)", headers={"WWW-Authenticate": "Bearer"})
    filters = SearchFilter(
        kinds=frozenset({kind}) if kind else frozenset(),
        visibilities=frozenset({visibility}) if visibility else frozenset(),
        languages=frozenset({lang.lower()}) if lang else frozenset(),
        products=frozenset({product}) if product else frozenset(),
    )
    result = searcher.search(q, audience=role.audience, k=k, filters=filters)
    return SearchOut.of(result)
