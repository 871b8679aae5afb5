"""Request size limits: bodies over a byte limit get a 413 before they cost memory or disk.

A pure ASGI middleware: a declared ``Content-Length`` over the limit is refused before the app
runs; a body without one (chunked) is counted as the app reads it and refused as soon as it
passes the limit. Nothing is buffered here: each chunk goes on to the app as it comes.

Example:
    >>> app = FastAPI()
    >>> install_limits(app, 1024 * 1024)  # 413 {"detail": "..."} beyond 1 MiB
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    """Raised from ``receive`` when a streamed body passes the limit (the app is abandoned)."""


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else None  # the server rejects a bad one
    return None


def _refusal(limit: int) -> tuple[Message, Message]:
    body = json.dumps({"detail": f"request body too large: at most {limit:,} bytes "
                                 "are accepted here"}).encode()
    return ({"type": "http.response.start", "status": 413,
             "headers": [(b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode()),
                         (b"connection", b"close")]},  # the rest of the body is never read
            {"type": "http.response.body", "body": body})


class BodySizeLimit:
    """413 for request bodies over ``max_body_bytes``; ``larger`` gives the paths that end
    with one of its keys (``/v1/admin/documents``, also under a KB's mount) their own limit."""

    def __init__(self, app: ASGIApp, max_body_bytes: int,
                 larger: Mapping[str, int] | None = None) -> None:
        for limit in (max_body_bytes, *(larger or {}).values()):
            if limit < 1:
                raise ValueError(f"a body size limit must be at least 1 byte, got {limit}")
        self.app, self.max_body_bytes, self.larger = app, max_body_bytes, dict(larger or {})

    def limit_for(self, path: str) -> int:
        return next((n for p, n in self.larger.items() if path.endswith(p)), self.max_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"].rstrip("/"))
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            for message in _refusal(limit):
                await send(message)
            return
        received, refused, started = 0, False, False

        async def counting_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    raise BodyTooLarge(f"request body over {limit} bytes")
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused and not started:
                return  # the app's own answer to the failed read (400, 500...) is replaced
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused or started:
                raise
        if refused and not started:
            for message in _refusal(limit):
                await send(message)


def install_limits(app: FastAPI, max_body_bytes: int,
                   larger: Mapping[str, int] | None = None) -> None:
    """Refuse request bodies over ``max_body_bytes`` (``larger``: see ``BodySizeLimit``)."""
    app.add_middleware(BodySizeLimit, max_body_bytes=max_body_bytes, larger=larger)
