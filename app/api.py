"""The HTTP API and the search page, built by a factory with a lifespan hook.

Example:
    >>> app = create_app(Settings(home="var/kb"))
    >>> # uvicorn.run(app, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from app.auth import Role, caller_role
from app.schemas import ErrorOut, HealthOut, SearchOut
from app.services import open_searcher
from app.settings import Settings
from kb import KBError, Kind, SnapshotNotFound, Visibility
from retrieval import MAX_K, SearchFilter, Searcher

log = logging.getLogger("kotae.api")
STATIC = resources.files("app") / "static"
MAX_QUERY_CHARS = 500

DESCRIPTION = """
kotae (答え) answers support questions from your knowledge base: manuals, FAQ entries and past
tickets, in Japanese and English.

**Callers.** Without a key you are a public caller and only see public articles and FAQ entries.
Send `Authorization: Bearer KEY` with an agent or admin key (setting `KOTAE_API_KEYS`) to also
search internal articles and past tickets.
"""


def create_app(settings: Settings | None = None, searcher: Searcher | None = None) -> FastAPI:
    """Build the app. The searcher loads (or is given) at start-up, never at import."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.searcher = searcher or open_searcher(settings)
        try:
            app.state.searcher.warm_up()
        except SnapshotNotFound as exc:
            log.warning("serving without an index: %s", exc)
        yield

    app = FastAPI(title="kotae", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.api_keys = settings.keys()
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.exception_handler(KBError)
    async def kb_error(_request: Request, exc: KBError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(str(STATIC / "index.html"), media_type="text/html")

    @app.get("/healthz", response_model=HealthOut, tags=["service"],
             summary="Liveness and the serving snapshot")
    def healthz(request: Request) -> HealthOut:
        try:
            manifest = request.app.state.searcher.manifest()
        except SnapshotNotFound:
            return HealthOut(status="no-index")
        return HealthOut(status="ok", snapshot=request.app.state.searcher.snapshots.version(),
                         documents=manifest.documents, chunks=manifest.chunks,
                         embedder=manifest.embedder)

    @app.get(
        "/v1/search", response_model=SearchOut, tags=["search"],
        summary="Hybrid search (BM25 + dense) over the knowledge base",
        responses={401: {"model": ErrorOut, "description": "Unknown API key."},
                   403: {"model": ErrorOut, "description": "Internal content asked without a key."},
                   503: {"model": ErrorOut, "description": "No index has been built yet."}},
    )
    def search(
        request: Request,
        role: Annotated[Role, Depends(caller_role)],
        q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS,
                                description="The question or keywords, Japanese or English.")],
        k: Annotated[int, Query(ge=1, le=MAX_K, description="Number of documents.")] = 10,
        kind: Annotated[Kind | None, Query(description="Only this kind of document.")] = None,
        lang: Annotated[str | None, Query(max_length=8, pattern=r"^[A-Za-z-]+$",
                                          description="Only documents in this language.")] = None,
        visibility: Annotated[Visibility | None, Query(
            description="Agents only: restrict to public or internal.")] = None,
        product: Annotated[str | None, Query(max_length=128,
                                             description="Only this product.")] = None,
    ) -> SearchOut:
        if role is Role.PUBLIC and (visibility is Visibility.INTERNAL or kind is Kind.TICKET):
            raise HTTPException(403, "internal articles and past tickets need an agent API key")
        filters = SearchFilter(
            kinds=frozenset({kind}) if kind else frozenset(),
            visibilities=frozenset({visibility}) if visibility else frozenset(),
            languages=frozenset({lang.lower()}) if lang else frozenset(),
            products=frozenset({product}) if product else frozenset(),
        )
        result = request.app.state.searcher.search(q, audience=role.audience, k=k,
                                                   filters=filters)
        return SearchOut.model_validate(result.to_dict())

    return app
