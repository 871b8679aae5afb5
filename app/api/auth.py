"""Who is calling, and what each route allows.

A caller is identified by ``Authorization: Bearer KEY`` (a key made by ``kotae keys create`` and
stored hashed in the KB, or one from ``KOTAE_API_KEYS``), or by the session cookie the agent and
content pages get when someone logs in with a key; with neither, the caller is public.

Roles are ordered: public < agent < editor < admin, each allowed what the ones before it are.
Every route declares the least role it needs with ``allow(Role.X)``, which also writes it into
the OpenAPI spec as ``x-kotae-role``:

    @router.post("/v1/suggest", **allow(Role.AGENT))
    def suggest(...): ...

Keys belong to one KB: a server with several KBs checks a key against the store of the KB the
request is for, so a key of KB A is unknown to KB B.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from kotae.kb.keys import KeyStore
from kotae.retrieval import Audience

log = logging.getLogger("kotae.auth")

LOGIN_COOKIE = "kotae_session"  # a logged-in page (the help page's anonymous one: deps)
SESSION_SECONDS = 12 * 3600
CSRF_HEADER = "x-requested-with"  # cookie-authenticated writes must send it (forces CORS preflight)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Role(StrEnum):
    PUBLIC = "public"
    AGENT = "agent"
    EDITOR = "editor"  # content owners: the FAQ-gap report and draft FAQ entries
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    @property
    def audience(self) -> Audience:
        return Audience.PUBLIC if self is Role.PUBLIC else Audience.AGENT

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


@dataclass(frozen=True)
class Caller:
    role: Role
    key_id: str = ""  # "" for public callers; "env:…" for a KOTAE_API_KEYS key
    name: str = ""
    via: str = "anonymous"  # anonymous, key or session

    @property
    def label(self) -> str:
        """Who, for logs and records: the key's name (or role), never the key."""
        return self.name or self.role.value


PUBLIC = Caller(Role.PUBLIC)


class Authenticator:
    """Checks keys against ``KOTAE_API_KEYS`` (kept as digests) and the KB's stored keys."""

    def __init__(self, env_keys: dict[str, str], keys: Callable[[], KeyStore],
                 secret: Callable[[], bytes]) -> None:
        """``keys`` and ``secret`` are made on first use (nothing touches the KB before)."""
        self._env = {hashlib.sha256(k.encode()).hexdigest(): Role(r) for k, r in env_keys.items()}
        self._make_keys, self._make_secret = keys, secret
        self._lock = threading.Lock()

    @cached_property
    def keys(self) -> KeyStore:
        with self._lock:
            return self._make_keys()

    @cached_property
    def _secret(self) -> bytes:
        with self._lock:
            return self._make_secret()

    def by_key(self, secret: str) -> Caller | None:
        wanted = hashlib.sha256(secret.encode()).hexdigest()
        for digest, role in self._env.items():
            if hmac.compare_digest(digest, wanted):
                return Caller(role, key_id="env:" + digest[:12], name=f"{role.value} (env)",
                              via="key")
        stored = self.keys.verify(secret)
        if stored is None:
            return None
        return Caller(Role(stored.role), key_id=stored.id, name=stored.name, via="key")

    def client_tag(self, client: str) -> str:
        """A keyed hash of who is asking (an address or a key id, as the rate limiter counts
        them): the query log counts distinct clients without keeping their addresses."""
        mac = hmac.new(self._secret, b"client:" + client.encode(), hashlib.sha256)
        return mac.hexdigest()[:32]

    # Session cookies: "key_id.expires.signature", signed with the KB's own secret.
    def _sign(self, payload: str) -> str:
        return hmac.new(self._secret, payload.encode(), hashlib.sha256).hexdigest()

    def session_value(self, caller: Caller, now: float | None = None) -> str:
        expires = int((now or time.time()) + SESSION_SECONDS)
        payload = f"{caller.key_id}.{expires}"
        return f"{payload}.{self._sign(payload)}"

    def by_session(self, value: str, now: float | None = None) -> Caller | None:
        """The caller of a session cookie: valid signature, not expired, key not revoked."""
        key_id, _, rest = value.partition(".")
        expires, _, signature = rest.partition(".")
        if not (key_id and expires.isdigit() and signature):
            return None
        if not hmac.compare_digest(self._sign(f"{key_id}.{expires}"), signature):
            return None
        if int(expires) < (now or time.time()):
            return None
        if key_id.startswith("env:"):
            role = next((r for d, r in self._env.items() if "env:" + d[:12] == key_id), None)
            return Caller(role, key_id, f"{role.value} (env)", "session") if role else None
        stored = self.keys.get(key_id)
        if stored is None or not stored.active:
            return None
        return Caller(Role(stored.role), key_id=stored.id, name=stored.name, via="session")


def session_secret(kb_dir: Path) -> bytes:
    """The KB's cookie-signing secret (``session.secret``, made on first use, mode 0600).

    A read-only KB directory gets a secret for this process only (sessions end at restart).
    """
    path = kb_dir / "session.secret"
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    except OSError:
        pass
    secret = secrets.token_bytes(32)
    try:
        kb_dir.mkdir(parents=True, exist_ok=True)
        # Written whole under a private name, then linked into place: a worker process that
        # starts at the same moment reads either no file or the whole secret, and the first
        # link wins for every process.
        fd, tmp = tempfile.mkstemp(dir=kb_dir, prefix=".session.secret.")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(secret)
            os.link(tmp, path)
        finally:
            os.unlink(tmp)
    except FileExistsError:  # another worker made it first
        return path.read_bytes()
    except OSError as exc:
        log.warning("cannot keep the session secret in %s (%s); sessions end at restart",
                    kb_dir, exc)
    return secret


def authenticator(request: Request) -> Authenticator:
    """The app's authenticator (``deps.Services.auth``: one per KB)."""
    auth: Authenticator = request.app.state.services.auth
    return auth


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


def current_caller(request: Request) -> Caller:
    """FastAPI dependency: the caller (public when no key or session is sent); 401 for a key
    that is not known or revoked."""
    header = request.headers.get("authorization", "")
    auth = authenticator(request)
    if header:
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise _unauthorized("Authorization must be 'Bearer <API key>'")
        caller = auth.by_key(key.strip())
        if caller is None:
            raise _unauthorized("unknown or revoked API key")
        return caller
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if cookie:
        caller = auth.by_session(cookie)
        if caller is None:
            return PUBLIC  # expired or revoked: the pages ask for the key again
        if request.method in UNSAFE_METHODS and not request.headers.get(CSRF_HEADER):
            raise HTTPException(403, f"a request signed in by cookie must send {CSRF_HEADER}")
        return caller
    return PUBLIC


def caller_role(caller: Annotated[Caller, Depends(current_caller)]) -> Role:
    return caller.role


def require(needed: Role) -> Any:
    """A dependency that lets through callers with at least the ``needed`` role."""

    def check(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
        if not caller.role.allows(needed):
            if caller.role is Role.PUBLIC:
                raise _unauthorized(f"this needs an API key with the {needed.value} role "
                                    "(Authorization: Bearer KEY)")
            raise HTTPException(403, f"this needs the {needed.value} role; your key has "
                                f"the {caller.role.value} role")
        return caller

    return check


def allow(needed: Role, *more: Any) -> dict[str, Any]:
    """Route keyword arguments declaring the least role a route needs (and enforcing it);
    ``more`` are further dependencies of the route (a rate limit, say)."""
    return {"dependencies": [Depends(require(needed)), *(Depends(d) for d in more)],
            "openapi_extra": {"x-kotae-role": needed.value}}


def declared_role(route: Any) -> Role | None:
    extra = getattr(route, "openapi_extra", None) or {}
    value = extra.get("x-kotae-role")
    return Role(value) if value else None
