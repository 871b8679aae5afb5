"""``GET /content``: the content owner's dashboard (FAQ gaps, proposals, duplicates, stale).

The page itself is static; every call it makes (``/v1/gaps`` and its accept and exports)
needs an editor or admin API key, which the user enters in the page and which stays in the
browser.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import FileResponse

from kotae.app.api.auth import Role, allow

router = APIRouter()


@router.get("/content", include_in_schema=False, **allow(Role.PUBLIC))
def content_dashboard() -> FileResponse:
    page = resources.files("kotae.app.pages") / "static" / "content.html"
    return FileResponse(str(page), media_type="text/html", headers={"Cache-Control": "no-cache"})
