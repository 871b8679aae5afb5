"""What the app answers when the knowledge base cannot take a write.

A write the store refuses (a read-only KB, or a write lock another process held for longer
than the store waits) answers 503 with a ``detail`` saying why, and ``Retry-After`` when
waiting helps. Browsers (the help center's forms) get a short page in the customer's language
instead of JSON. Reads do not come here: the logging that comes with a search is best-effort
(``QueryLog.record(..., best_effort=True)``).

Example:
    >>> app = FastAPI()
    >>> install_error_handlers(app)
"""

from __future__ import annotations

import html
import logging

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from kotae.app.pages.messages import ERROR_PAGE, LANG_COOKIE, pick_language
from kotae.kb.errors import StoreBusy, StoreUnavailable

log = logging.getLogger("kotae.api")

# For callers: what happened and what to do, without the server's paths (those are logged).
DETAIL = {
    "read-only": "the knowledge base is read-only: this was not recorded (searches still "
                 "work); try again later",
    "busy": "the knowledge base is busy with another write (an ingest?): this was not "
            "recorded; try again in {retry} s",
}


def install_error_handlers(app: FastAPI) -> None:
    """Answer ``StoreUnavailable`` (read-only or busy store) with 503 instead of 500."""
    app.add_exception_handler(StoreUnavailable, store_unavailable)


async def store_unavailable(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StoreUnavailable)
    log.warning("%s %s not done: %s", request.method, request.url.path, exc)
    kind = "busy" if isinstance(exc, StoreBusy) else "read-only"
    retry = exc.retry_after
    headers = {"Retry-After": str(retry)} if retry else {}
    if "text/html" in request.headers.get("accept", ""):
        return HTMLResponse(_page(request, kind, retry), status_code=503, headers=headers)
    return JSONResponse({"detail": DETAIL[kind].format(retry=retry)}, status_code=503,
                        headers=headers)


def _page(request: Request, kind: str, retry: int | None) -> str:
    lang = pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                         request.headers.get("accept-language"))
    words = ERROR_PAGE[lang]
    root = html.escape(request.scope.get("root_path", ""))
    return (f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{words['title']}</title>"
            f'<link rel="stylesheet" href="{root}/static/style.css">'
            f'<link rel="stylesheet" href="{root}/static/help.css"></head>'
            f'<body class="help"><main class="container" id="main">'
            f'<h1 class="page-title">{words["title"]}</h1>'
            f'<p class="page-lead">{html.escape(words[kind].format(retry=retry))}</p>'
            f'<p><a href="{root}/help?lang={lang}">{words["back"]}</a></p>'
            f"</main></body></html>\n")
