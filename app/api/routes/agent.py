"""``GET /agent``: the agent console page (paste a ticket, edit the drafted reply).

The page itself is static; every call it makes (``/v1/suggest`` and the outcome) needs the
agent API key, which the agent enters in the page and which stays in the browser.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import FileResponse

from kotae.app.api.auth import Role, allow

router = APIRouter()


@router.get("/agent", include_in_schema=False, **allow(Role.PUBLIC))
def agent_console() -> FileResponse:
    page = resources.files("kotae.app.pages") / "static" / "agent.html"
    return FileResponse(str(page), media_type="text/html",
                        headers={"Cache-Control": "no-cache"})
