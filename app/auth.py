"""Callers and their roles: API keys from ``KOTAE_API_KEYS``, sent as ``Authorization: Bearer``.

No key means a public caller. (Stored, hashed keys replace this later.)
"""

from __future__ import annotations

import hmac
from enum import StrEnum

from fastapi import HTTPException, Request

from retrieval import Audience


class Role(StrEnum):
    PUBLIC = "public"
    AGENT = "agent"
    ADMIN = "admin"
    EDITOR = "editor"  # content owners: the FAQ-gap report and draft FAQ entries

    @property
    def audience(self) -> Audience:
        return Audience.PUBLIC if self is Role.PUBLIC else Audience.AGENT


def caller_role(request: Request) -> Role:
    """FastAPI dependency: the caller's role, or 401 for a key that is not known."""
    header = request.headers.get("authorization", "")
    if not header:
        return Role.PUBLIC
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise HTTPException(401, "Authorization must be 'Bearer <API key>'",
                            headers={"WWW-Authenticate": "Bearer"})
    keys: dict[str, str] = request.app.state.api_keys
    for known, role in keys.items():
        if hmac.compare_digest(known.encode(), key.strip().encode()):
            return Role(role)
    raise HTTPException(401, "unknown API key", headers={"WWW-Authenticate": "Bearer"})
