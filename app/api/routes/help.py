"""The customer help center: ``/help`` (search, server-rendered, enhanced by help.js),
``/help/articles/{id}``, and ``GET /v1/typeahead`` (search suggestions, ``suggest.typeahead``).

Everything here reads public articles and FAQ only: searches go through the deflector (public
audience inside retrieval) and articles are served only when public and not a ticket.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from kotae.app.api.auth import Role, allow
from kotae.app.api.deps import (
    HELP_SESSION_COOKIE,
    ClientTagDep,
    DeflectorDep,
    QueryLogDep,
    StoreDep,
    TypeaheadDep,
    help_session,
)
from kotae.app.pages.messages import LANG_COOKIE, LANGUAGES, MESSAGES, pick_language
from kotae.app.pages.view import answer_view, render_article, result_views, templates
from kotae.kb import (
    Action,
    Channel,
    EventType,
    Kind,
    QueryLog,
    SnapshotNotFound,
    customer_may_read,
)
from kotae.suggest.deflection.deflect import Deflector

router = APIRouter()
MAX_QUERY_CHARS = 500
Q = Annotated[str, Query(max_length=MAX_QUERY_CHARS, description="The customer's question.")]
Lang = Annotated[str | None, Query(pattern="^(ja|en)$", description="Page language.")]
EventId = Annotated[str, Query(max_length=32, pattern="^[0-9a-f]*$")]
HTML = {"text/html": {"schema": {"type": "string"}}}  # a page, in the spec
NO_INDEX: dict[int | str, dict[str, Any]] = {
    503: {"description": "No index has been built yet (the page says so).", "content": HTML}}


def page(request: Request, name: str, context: dict[str, Any], lang: str,
         status_code: int = 200) -> HTMLResponse:
    """Render a help template with the page language, its words and the session cookie."""
    sid, new = help_session(request)
    other = "en" if lang == "ja" else "ja"
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    toggle = request.url.path + "?" + urlencode([*params, ("lang", other)])
    response: HTMLResponse = templates().TemplateResponse(
        request, name, {"lang": lang, "other": other, "t": MESSAGES[lang], "sid": sid,
                        "home": name == "help.html", "toggle_href": toggle,
                        "root": request.scope.get("root_path", ""), **context},
        status_code=status_code)
    if new:
        response.set_cookie(HELP_SESSION_COOKIE, sid, max_age=60 * 60 * 24 * 30, httponly=True,
                            samesite="lax")
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=60 * 60 * 24 * 365, samesite="lax")
    return response


def page_language(request: Request, lang: str | None) -> str:
    return pick_language(lang, request.cookies.get(LANG_COOKIE),
                         request.headers.get("accept-language"))


def search_context(request: Request, q: str, lang: str, deflector: Deflector, log: QueryLog,
                   client: str, replace: str = "", record: bool = True
                   ) -> tuple[dict[str, Any], int]:
    """Search ``q`` for ``client`` (its tag), log it (unless ``record`` is off: the page shown
    again after a vote), and give the template context (and status)."""
    q = q.strip()
    if not q:
        return {"q": "", "state": "idle"}, 200
    try:
        deflection = deflector.deflect(q)
    except SnapshotNotFound:
        return {"q": q, "state": "unavailable"}, 503
    except ValueError:  # nothing searchable left after normalisation
        return {"q": q, "state": "empty", "results": []}, 200
    sid, _ = help_session(request)
    action = Action.ANSWER if deflection.action is Action.ANSWER else Action.NONE
    event_id = ""
    if record:
        event = deflection.to_event(Channel.HELP, EventType.SEARCH, sid, action)
        event.client = client
        event_id = log.record(event, best_effort=True)  # "" when the KB cannot take it
    if replace and replace != event_id:
        log.discard(replace, sid, superseded_by=q)
    analyse = deflector.searcher.tokenizer.analyse
    terms = set(deflector.searcher.tokenizer.tokens(q))
    return {"q": q, "state": "results" if deflection.hits else "empty", "event_id": event_id,
            "results": result_views(deflection.hits, analyse, terms, event_id, q, lang),
            "answer": answer_view(deflection, analyse, terms, event_id, q, lang),
            "confidence": deflection.confidence, "searched_as": deflection.searched_as}, 200


@router.get("/help", response_class=HTMLResponse, tags=["help center"],
            summary="The help-center search page (results rendered on the server)",
            responses=NO_INDEX, **allow(Role.PUBLIC))
def help_page(request: Request, deflector: DeflectorDep, log: QueryLogDep,
              client: ClientTagDep, q: Q = "", lang: Lang = None,
              voted: Annotated[str, Query(pattern="^(yes|no|)$")] = "") -> HTMLResponse:
    language = page_language(request, lang)
    context, status = search_context(request, q, language, deflector, log, client,
                                     record=not voted)
    return page(request, "help.html", {**context, "voted": voted}, language, status)


@router.get("/help/results", response_class=HTMLResponse, tags=["help center"],
            summary="The results part of the help page (help.js fetches it as you type)",
            responses=NO_INDEX, **allow(Role.PUBLIC))
def help_results(request: Request, deflector: DeflectorDep, log: QueryLogDep,
                 client: ClientTagDep, q: Q = "",
                 lang: Lang = None, replace: EventId = "") -> HTMLResponse:
    language = page_language(request, lang)
    context, status = search_context(request, q, language, deflector, log, client, replace)
    return page(request, "help_results.html", context, language, status)


@router.get("/help/articles/{doc_id}", response_class=HTMLResponse, name="help_article",
            tags=["help center"], summary="A public article or FAQ entry",
            responses={404: {"description": "No public article with this id (a page saying so).",
                             "content": HTML}}, **allow(Role.PUBLIC))
def help_article(request: Request, doc_id: str,
                 store: StoreDep, log: QueryLogDep, q: Q = "",
                 lang: Lang = None, e: EventId = "",
                 voted: Annotated[str, Query(pattern="^(yes|no|)$")] = "") -> HTMLResponse:
    language = page_language(request, lang)
    doc = store.get_document(doc_id) if len(doc_id) <= 64 else None
    if doc is None or not customer_may_read(doc):
        # The same answer for internal, ticket and unknown ids: nothing to learn from it.
        return page(request, "help_error.html", {"q": q}, language, 404)
    if e and not voted:
        log.update(e, clicked_doc_id=doc.id, best_effort=True)
    body = doc.answer if doc.kind is Kind.FAQ and doc.answer else doc.body
    return page(request, "help_article.html", {
        "doc": doc, "html": render_article(body, doc.title), "q": q, "event_id": e,
        "voted": voted}, language)


class TypeaheadOut(BaseModel):
    suggestions: list[str]


@router.get("/v1/typeahead", response_model=TypeaheadOut, tags=["help center"],
            summary="Search suggestions for what the customer is typing",
            **allow(Role.PUBLIC))
def typeahead(suggestions: TypeaheadDep,
              q: Annotated[str, Query(min_length=1, max_length=100)],
              lang: Lang = None,
              limit: Annotated[int, Query(ge=1, le=20)] = 8) -> TypeaheadOut:
    """Phrases editors allowed, the KB's public titles and FAQ questions, and questions that
    many different customers asked (``KOTAE_TYPEAHEAD_MIN_CLIENTS``, default 5) and kotae
    answered — never one holding personal data, a URL, a long number or a blocked word, and
    never a phrase an editor blocked."""
    return TypeaheadOut(suggestions=suggestions.suggest(q, language=lang, limit=limit))
