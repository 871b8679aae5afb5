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

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from app.observability import install_observability
from app.routes import agent as agent_routes
from app.routes import contact as contact_routes
from app.routes import content as content_routes
from app.routes import deflect as deflect_routes
from app.routes import feedback as feedback_routes
from app.routes import gaps as gaps_routes
from app.routes import help as help_routes
from app.routes import search as search_routes
from app.routes import suggest as suggest_routes
from app.services import open_searcher
from app.settings import Settings
from kb import KBError, SnapshotNotFound
from retrieval import Searcher

log = logging.getLogger("kotae.api")
STATIC = resources.files("app") / "static"

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

    app.include_router(search_routes.router)
    app.include_router(suggest_routes.router)  # agents: suggested replies
    app.include_router(agent_routes.router)
    app.include_router(gaps_routes.router)  # content owners: FAQ gaps (editor key)
    app.include_router(content_routes.router)
    for public in (help_routes, contact_routes, feedback_routes, deflect_routes):
        app.include_router(public.router)  # help center and deflection: public only
    install_observability(app)

    return app
