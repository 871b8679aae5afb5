"""Dependencies of the public routes (help center, deflection, feedback): the KB store and
query log, the deflector, search suggestions, the per-client rate limit, the help page's
session and who the client is.

The store and the limiter are made on first use and kept on ``app.state`` (nothing at import).
"""

from __future__ import annotations

import secrets
import threading
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from kotae.app.auth import Caller, authenticator, current_caller
from kotae.app.deps import get_searcher, get_settings
from kotae.app.ratelimit import RateLimiter
from kotae.app.services import store_for
from kotae.app.settings import Settings
from kotae.kb import Hit, KBStore, QueryLog
from kotae.kb.typeahead_rules import TypeaheadRules
from kotae.retrieval import Audience, Searcher
from kotae.suggest.deflect import Deflector
from kotae.suggest.typeahead import BlockedWords, Typeahead

SESSION_COOKIE = "kotae_sid"
_LOCK = threading.RLock()  # re-entered: the query log makes the store it needs


def _state(request: Request, name: str, make):  # type: ignore[no-untyped-def]
    value = getattr(request.app.state, name, None)
    if value is None:
        with _LOCK:
            value = getattr(request.app.state, name, None)
            if value is None:
                value = make()
                setattr(request.app.state, name, value)
    return value


def get_kb_store(request: Request) -> KBStore:
    settings = get_settings(request)
    store: KBStore = _state(request, "kb_store", lambda: store_for(settings))
    return store


def get_query_log(request: Request) -> QueryLog:
    days = get_settings(request).query_log_retention_days
    log: QueryLog = _state(request, "query_log", lambda: QueryLog(get_kb_store(request), days))
    return log


def get_typeahead_rules(request: Request) -> TypeaheadRules:
    rules: TypeaheadRules = _state(request, "typeahead_rules",
                                   lambda: TypeaheadRules(get_kb_store(request)))
    return rules


def get_typeahead(request: Request) -> Typeahead:
    def make() -> Typeahead:
        s, searcher = get_settings(request), get_searcher(request)
        return Typeahead(get_query_log(request), get_typeahead_rules(request),
                         titles=lambda: searcher.titles(Audience.PUBLIC),
                         blocked=BlockedWords.load(s.home), min_clients=s.typeahead_min_clients,
                         window_days=s.typeahead_window_days)

    typeahead: Typeahead = _state(request, "typeahead", make)
    return typeahead


def get_limiter(request: Request) -> RateLimiter:
    s = get_settings(request)
    limiter: RateLimiter = _state(
        request, "rate_limiter", lambda: RateLimiter(s.rate_limit_per_minute, s.rate_limit_burst))
    return limiter


def get_deflector(request: Request,
                  searcher: Annotated[Searcher, Depends(get_searcher)]) -> Deflector:
    """A deflector whose links point at this server's help-center article pages."""

    def link_for(hit: Hit) -> str:
        return str(request.url_for("help_article", doc_id=hit.doc_id))

    return Deflector(searcher, link_for=link_for, store=get_kb_store(request))


def client_key(request: Request, caller: Caller, trust_proxy: bool) -> str:
    """Who is asking: the caller's API key (a chatbot's own bucket), else the client's address
    (a page session counts by address too). Unknown keys never get here: they are 401."""
    if caller.via == "key":
        return "key:" + caller.key_id
    forwarded = request.headers.get("x-forwarded-for", "")
    if trust_proxy and forwarded:
        return "ip:" + forwarded.split(",")[0].strip()
    return "ip:" + (request.client.host if request.client else "unknown")


def client_tag(request: Request, caller: Annotated[Caller, Depends(current_caller)]) -> str:
    """Dependency: who is asking, as the rate limiter counts clients, as a keyed hash (what the
    query log keeps to count distinct clients)."""
    key = client_key(request, caller, get_settings(request).trust_proxy)
    return authenticator(request).client_tag(key)


def rate_limited(request: Request, caller: Annotated[Caller, Depends(current_caller)]) -> None:
    """Dependency: 429 with ``Retry-After`` when this client has used up its requests."""
    settings: Settings = get_settings(request)
    wait = get_limiter(request).check(client_key(request, caller, settings.trust_proxy))
    if wait > 0:
        raise HTTPException(
            429, f"too many requests: at most {settings.rate_limit_per_minute} per minute "
                 f"(bursts of {settings.rate_limit_burst}) per client; retry after "
                 f"{int(wait)} s", headers={"Retry-After": str(int(wait))})


def session_id(request: Request) -> tuple[str, bool]:
    """The help page's anonymous session id (from its cookie) and whether it is new (then the
    same new id for the whole request, so the log and the cookie agree)."""
    sid = request.cookies.get(SESSION_COOKIE, "")
    if len(sid) == 32 and all(c in "0123456789abcdef" for c in sid):
        return sid, False
    if not getattr(request.state, "new_session_id", ""):
        request.state.new_session_id = secrets.token_hex(16)
    return request.state.new_session_id, True
