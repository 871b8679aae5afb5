"""What the routes get, and how: one ``Services`` object per KB, made when the app is built,
handed to routes as typed ``Annotated`` dependencies (as FastAPI's full-stack template does).

Every service a route needs comes from here: the KB's (``kotae.open_kb``: one database engine
for its documents, query log, keys and feedback; its searcher; suggester, deflector,
typeahead), and the HTTP ones (who is calling, the per-client rate limit, the help page's
anonymous session). A route declares ``searcher: SearcherDep`` and never touches
``app.state``.

Example:
    >>> @router.get("/v1/x")
    ... def route(searcher: SearcherDep, log: QueryLogDep) -> Out: ...
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, HTTPException, Request

from kotae.app.api.auth import Authenticator, Caller, Role, caller_role, current_caller
from kotae.app.api.ratelimit import Limiter, RateLimiter, SharedRateLimiter
from kotae.app.settings import Settings
from kotae.kb import Hit, KBStore, QueryLog
from kotae.kb.feedback import FeedbackStore
from kotae.kb.keys import KeyStore
from kotae.kb.typeahead_rules import TypeaheadRules
from kotae.knowledge_base import KnowledgeBase
from kotae.retrieval import Searcher
from kotae.suggest import Deflector, Suggester
from kotae.suggest.deflection.typeahead import Typeahead

if TYPE_CHECKING:
    from kotae.suggest.gaps import GapReport

HELP_SESSION_COOKIE = "kotae_sid"  # the help page's anonymous session (not a login)


@dataclass
class Services:
    """Everything the routes of one KB use (one per app; a mounted KB has its own)."""

    name: str
    settings: Settings
    kb: KnowledgeBase
    auth: Authenticator
    limiter: Limiter
    # FAQ-gap reports by (since days, min size): built at most once a minute (routes.gaps).
    gap_reports: dict[tuple[int | None, int], tuple[float, GapReport]] = field(
        default_factory=dict)
    gap_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, settings: Settings, kb: KnowledgeBase, name: str) -> Services:
        from kotae.app.api.auth import session_secret

        return cls(name, settings, kb,
                   Authenticator(settings.keys(), keys=lambda: kb.keys,
                                 secret=lambda: session_secret(settings.home)),
                   _limiter(settings, kb))


def _limiter(settings: Settings, kb: KnowledgeBase) -> Limiter:
    """In Redis when ``KOTAE_REDIS_URL`` is set (servers on any number of machines); else in
    the KB's database when several processes serve the KB; else in memory. Either way a
    client is counted once whichever process answers."""
    per_minute, burst = settings.rate_limit_per_minute, settings.rate_limit_burst
    if per_minute > 0 and settings.redis_url:
        from kotae.kb.rate_buckets import RedisBucketStore

        keep = burst * 60.0 / per_minute  # an idle bucket is full again after this long
        # No ping here: `kotae serve` checked it answers; one that stops answering later makes
        # each check fall back to this process's count (a worker restarting meanwhile starts).
        return SharedRateLimiter(RedisBucketStore.from_url(
            settings.redis_url, kb.store.engine.url.render_as_string(hide_password=True),
            keep), per_minute, burst)
    if settings.workers > 1 and per_minute > 0:
        from kotae.kb.rate_buckets import BucketStore

        return SharedRateLimiter(BucketStore(kb.store), per_minute, burst)
    return RateLimiter(per_minute, burst)


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def _settings(s: ServicesDep) -> Settings:
    return s.settings


def _kb(s: ServicesDep) -> KnowledgeBase:
    return s.kb


def _searcher(s: ServicesDep) -> Searcher:
    return s.kb.searcher


def _store(s: ServicesDep) -> KBStore:
    return s.kb.store


def _query_log(s: ServicesDep) -> QueryLog:
    return s.kb.query_log


def _keys(s: ServicesDep) -> KeyStore:
    return s.kb.keys


def _feedback(s: ServicesDep) -> FeedbackStore:
    return s.kb.feedback


def _suggester(s: ServicesDep) -> Suggester:
    return s.kb.suggester


def _typeahead(s: ServicesDep) -> Typeahead:
    return s.kb.typeahead


def _typeahead_rules(s: ServicesDep) -> TypeaheadRules:
    return s.kb.typeahead_rules


def _deflector(request: Request, s: ServicesDep) -> Deflector:
    """A deflector whose links point at this server's help-center article pages."""

    def link_for(hit: Hit) -> str:
        return str(request.url_for("help_article", doc_id=hit.doc_id))

    return s.kb.deflector(link_for)


SettingsDep = Annotated[Settings, Depends(_settings)]
KBDep = Annotated[KnowledgeBase, Depends(_kb)]
SearcherDep = Annotated[Searcher, Depends(_searcher)]
StoreDep = Annotated[KBStore, Depends(_store)]
QueryLogDep = Annotated[QueryLog, Depends(_query_log)]
KeysDep = Annotated[KeyStore, Depends(_keys)]
FeedbackDep = Annotated[FeedbackStore, Depends(_feedback)]
SuggesterDep = Annotated[Suggester, Depends(_suggester)]
TypeaheadDep = Annotated[Typeahead, Depends(_typeahead)]
TypeaheadRulesDep = Annotated[TypeaheadRules, Depends(_typeahead_rules)]
DeflectorDep = Annotated[Deflector, Depends(_deflector)]
CallerDep = Annotated[Caller, Depends(current_caller)]
RoleDep = Annotated[Role, Depends(caller_role)]


def client_key(request: Request, caller: Caller, trust_proxy: bool) -> str:
    """Who is asking: the caller's API key (a chatbot's own bucket), else the client's address
    (a page session counts by address too). Unknown keys never get here: they are 401."""
    if caller.via == "key":
        return "key:" + caller.key_id
    forwarded = request.headers.get("x-forwarded-for", "")
    if trust_proxy and forwarded:
        return "ip:" + forwarded.split(",")[0].strip()
    return "ip:" + (request.client.host if request.client else "unknown")


def _client_tag(request: Request, caller: CallerDep, s: ServicesDep) -> str:
    """Who is asking, as the rate limiter counts clients, as a keyed hash (what the query log
    keeps to count distinct clients)."""
    return s.auth.client_tag(client_key(request, caller, s.settings.trust_proxy))


ClientTagDep = Annotated[str, Depends(_client_tag)]


def rate_limited(request: Request, caller: CallerDep, s: ServicesDep) -> None:
    """Dependency: 429 with ``Retry-After`` when this client has used up its requests."""
    wait = s.limiter.check(client_key(request, caller, s.settings.trust_proxy))
    if wait > 0:
        raise HTTPException(
            429, f"too many requests: at most {s.settings.rate_limit_per_minute} per minute "
                 f"(bursts of {s.settings.rate_limit_burst}) per client; retry after "
                 f"{int(wait)} s", headers={"Retry-After": str(int(wait))})


def help_session(request: Request) -> tuple[str, bool]:
    """The help page's anonymous session id (from its cookie) and whether it is new (then the
    same new id for the whole request, so the log and the cookie agree)."""
    sid = request.cookies.get(HELP_SESSION_COOKIE, "")
    if len(sid) == 32 and all(c in "0123456789abcdef" for c in sid):
        return sid, False
    if not getattr(request.state, "new_session_id", ""):
        request.state.new_session_id = secrets.token_hex(16)
    return request.state.new_session_id, True


__all__: list[Any] = [
    "CallerDep", "ClientTagDep", "DeflectorDep", "FeedbackDep", "HELP_SESSION_COOKIE", "KBDep",
    "KeysDep", "QueryLogDep", "RoleDep", "SearcherDep", "Services", "ServicesDep",
    "SettingsDep", "StoreDep", "SuggesterDep", "TypeaheadDep", "TypeaheadRulesDep",
    "client_key", "get_services", "help_session", "rate_limited",
]
