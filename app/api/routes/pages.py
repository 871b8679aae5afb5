"""The static pages and the words their scripts use: ``/`` (knowledge search), ``/agent``
(the agent console), ``/content`` (the content dashboard) and ``/ui/messages.js``.

The pages themselves are static; every call they make needs the key of their role, which the
user logs in with in the page (session.js): the key stays on the server, the page keeps a
session cookie.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from kotae.app.api.auth import Role, allow
from kotae.app.pages.messages import messages_script

router = APIRouter()
STATIC = resources.files("kotae.app.pages") / "static"
NO_CACHE = {"Cache-Control": "no-cache"}


def _page(name: str) -> FileResponse:
    return FileResponse(str(STATIC / name), media_type="text/html", headers=NO_CACHE)


@router.get("/", include_in_schema=False, **allow(Role.PUBLIC))
def index() -> FileResponse:
    return FileResponse(str(STATIC / "index.html"), media_type="text/html")


@router.get("/agent", include_in_schema=False, **allow(Role.PUBLIC))
def agent_console() -> FileResponse:
    return _page("agent.html")


@router.get("/content", include_in_schema=False, **allow(Role.PUBLIC))
def content_dashboard() -> FileResponse:
    return _page("content.html")


@router.get("/ui/messages.js", include_in_schema=False, **allow(Role.PUBLIC))
def messages() -> Response:
    """The pages' words (``kotae.app.pages.messages``), as the scripts read them."""
    return Response(messages_script(), media_type="text/javascript; charset=utf-8",
                    headers=NO_CACHE)
