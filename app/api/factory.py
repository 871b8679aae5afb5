"""The HTTP API and the search page, built by a factory with a lifespan hook.

Example:
    >>> app = create_app(Settings(home="var/kb"))
    >>> # uvicorn.run(app, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from kotae import __version__
from kotae.app.api.auth import Role, allow
from kotae.app.api.deps import Services
from kotae.app.api.errors import install_error_handlers
from kotae.app.api.limits import install_limits
from kotae.app.api.observability import install_observability
from kotae.app.api.openapi_errors import declare_framework_errors
from kotae.app.api.routes import admin as admin_routes
from kotae.app.api.routes import contact as contact_routes
from kotae.app.api.routes import deflect as deflect_routes
from kotae.app.api.routes import feedback as feedback_routes
from kotae.app.api.routes import gaps as gaps_routes
from kotae.app.api.routes import help as help_routes
from kotae.app.api.routes import pages as page_routes
from kotae.app.api.routes import phrasings as phrasing_routes
from kotae.app.api.routes import search as search_routes
from kotae.app.api.routes import session as session_routes
from kotae.app.api.routes import suggest as suggest_routes
from kotae.app.api.routes import typeahead as typeahead_routes
from kotae.app.settings import Settings
from kotae.kb import KBError, SnapshotNotFound
from kotae.knowledge_base import KnowledgeBase, open_kb
from kotae.retrieval import Searcher

log = logging.getLogger("kotae.api")
STATIC = resources.files("kotae.app.pages") / "static"
KB_NAME = re.compile(r"[a-z0-9_-]{1,32}")
MOUNTS_ENV = "KOTAE_SERVE_MOUNTS"  # how `kotae serve --workers` hands its --mount list on

DESCRIPTION = """
kotae (答え) answers support questions from your knowledge base: manuals, FAQ entries and past
tickets, in Japanese and English.

**Callers and roles.** Without a key you are a public caller: the help center, deflection and
public articles and FAQ entries only. Send `Authorization: Bearer KEY` with a key made by
`kotae keys create --role agent|editor|admin` (stored hashed) to do more: *agent* searches
internal articles and past tickets and gets suggested replies, *editor* also sees the FAQ-gap
report and accepts draft entries, *admin* also manages keys and uploads documents. Each
operation states the least role it needs as `x-kotae-role`. The pages log in with a key once
(`POST /v1/session`) and then use a session cookie.

**Several knowledge bases.** A server may serve several KBs (`kotae serve --mount NAME=DIR`):
each under `/kb/NAME/` with the same API, its own keys and its own data. A key of one KB is
unknown to every other.
"""


def create_app(settings: Settings | None = None, searcher: Searcher | None = None,
               mounts: Mapping[str, Settings] | None = None, kb_name: str = "default",
               kb: KnowledgeBase | None = None) -> FastAPI:
    """Build the app for the KB of ``settings`` (served at ``/``), plus one app per entry of
    ``mounts`` (served at ``/kb/NAME/``, each with its own keys and data).

    The KB is opened here (``kotae.open_kb``; or ``kb``, or one around a given ``searcher``)
    and its services are loaded at start-up, never at import."""
    settings = settings or Settings()
    kb = kb or open_kb(settings, searcher=searcher)
    children = {name: create_app(child, kb_name=name) for name, child in (mounts or {}).items()}
    for name in children:
        if not KB_NAME.fullmatch(name) or name == kb_name:
            raise ValueError(f"KB name {name!r}: use 1–32 of a-z 0-9 _ -, unique")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            kb.warm_up()
        except SnapshotNotFound as exc:
            log.warning("%s: serving without an index: %s", kb_name, exc)
        async with AsyncExitStack() as stack:  # Starlette runs no lifespan of a mounted app
            for child in children.values():
                await stack.enter_async_context(child.router.lifespan_context(child))
            yield
        kb.close()

    app = FastAPI(title="kotae", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan)
    app.state.services = Services.build(settings, kb, kb_name)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for name, child in children.items():
        app.mount(f"/kb/{name}", child, name=f"kb-{name}")

    @app.exception_handler(KBError)
    async def kb_error(_request: Request, exc: KBError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)
    install_error_handlers(app)  # 503 (not 500) when the store cannot take a write
    declare_framework_errors(app)  # 400, 413 and 422 in the spec, as FastAPI answers them

    app.include_router(search_routes.router)
    app.include_router(session_routes.router)  # the pages log in with a key
    app.include_router(admin_routes.router)  # keys, settings, uploads (admin key)
    app.include_router(suggest_routes.router)  # agents: suggested replies
    app.include_router(gaps_routes.router)  # content owners: FAQ gaps (editor key)
    app.include_router(page_routes.router)  # the pages and their words
    app.include_router(typeahead_routes.router)  # editors: allow and block suggestions
    app.include_router(phrasing_routes.router)  # editors: phrasings learnt from use
    for public in (help_routes, contact_routes, feedback_routes, deflect_routes):
        app.include_router(public.router)  # help center and deflection: public only
    install_limits(app, settings.max_body_bytes,  # inside observability: 413s are logged too
                   {admin_routes.UPLOAD_PATH: admin_routes.MAX_FILES * settings.max_upload_bytes})
    install_observability(app, kb_name, metrics_route=allow(Role.ADMIN))

    return app


def mount_settings(settings: Settings, folders: Mapping[str, str | Path]) -> dict[str, Settings]:
    """The settings of each KB served at ``/kb/NAME/``: the served KB's, with its own folder
    and database. The environment's keys belong to the served KB; each mounted KB has its
    own (``kotae keys create --kb DIR``)."""
    return {name: settings.model_copy(update={"home": Path(folder), "api_keys": "",
                                              "database_url": None})
            for name, folder in folders.items()}


def app_from_environment() -> FastAPI:
    """The app each worker process of ``kotae serve --workers N`` builds for itself (uvicorn
    starts every worker fresh and calls this): the settings from the environment
    (``KOTAE_*``, which the command sets from its options), the mounted KBs from
    ``KOTAE_SERVE_MOUNTS`` (JSON: name -> folder)."""
    from kotae.app.api.logs import LOG_FORMATS, configure_logging

    settings = Settings()
    log_format = settings.log_format.lower()
    configure_logging(log_format if log_format in LOG_FORMATS else "text", logging.INFO)
    folders = json.loads(os.environ.get(MOUNTS_ENV) or "{}")
    return create_app(settings, mounts=mount_settings(settings, folders))
