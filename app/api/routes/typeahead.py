"""Editors' control of the help center's search suggestions (editor keys and above):
``GET /v1/typeahead/review`` (what customers asked most, and what is suggested or held back),
``POST /v1/typeahead/rules`` (allow or block a phrase) and ``DELETE /v1/typeahead/rules``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from kotae.app.api.auth import Role, allow
from kotae.app.api.deps import CallerDep, TypeaheadDep, TypeaheadRulesDep
from kotae.app.api.schemas.common import ErrorOut, Label
from kotae.kb.events import query_key
from kotae.kb.typeahead_rules import MAX_PHRASE_CHARS, Decision, TypeaheadRule

router = APIRouter(tags=["help center"])
ERRORS = {401: {"model": ErrorOut, "description": "No key, or an unknown or revoked one."},
          403: {"model": ErrorOut, "description": "The key's role is below editor."}}


class RuleIn(BaseModel):
    phrase: Label(MAX_PHRASE_CHARS, "The suggestion as customers see it.")  # type: ignore[valid-type]
    decision: Literal["allow", "block"] = Field(
        description="allow: suggest it to everyone typing its beginning; block: never suggest "
                    "it again, whoever asks it.")


class RuleOut(BaseModel):
    key: str = Field(description="The phrase as suggestions are compared (normalised).")
    phrase: str
    decision: Literal["allow", "block"]
    by: str = Field(description="The key that made the decision (its name).")
    created_at: str


class PopularOut(BaseModel):
    phrase: str = Field(description="A question as the log keeps it (personal data redacted).")
    clients: int = Field(description="Distinct clients who asked it in the window.")
    suggested: bool
    held_back: str | None = Field(None, description="Why it is not suggested.")


class ReviewOut(BaseModel):
    min_clients: int = Field(description="Clients a question needs before it is suggested.")
    window_days: int
    popular: list[PopularOut]
    allowed: list[RuleOut]
    blocked: list[RuleOut]


def _out(rule: TypeaheadRule) -> RuleOut:
    return RuleOut(key=rule.key, phrase=rule.text, decision=rule.decision.value, by=rule.by,
                   created_at=rule.created_at)


@router.get("/v1/typeahead/review", response_model=ReviewOut, responses=ERRORS,
            summary="The most asked questions and the editors' allow and block lists",
            **allow(Role.EDITOR))
def review(typeahead: TypeaheadDep,
           limit: Annotated[int, Query(ge=1, le=200)] = 50) -> ReviewOut:
    rules = typeahead.rules.list()
    blocked = {r.key for r in rules if r.decision is Decision.BLOCK}
    popular = []
    for p in typeahead.popular(limit=limit):
        reason = p.held_back or ("blocked by an editor" if query_key(p.text) in blocked
                                 else None)
        popular.append(PopularOut(phrase=p.text, clients=p.clients, suggested=reason is None,
                                  held_back=reason))
    return ReviewOut(min_clients=typeahead.min_clients, window_days=typeahead.window_days,
                     popular=popular,
                     allowed=[_out(r) for r in rules if r.decision is Decision.ALLOW],
                     blocked=[_out(r) for r in rules if r.key in blocked])


@router.post("/v1/typeahead/rules", response_model=RuleOut, status_code=201,
             responses={**ERRORS, 422: {"model": ErrorOut}},
             summary="Allow or block a search suggestion", **allow(Role.EDITOR))
def set_rule(body: RuleIn, rules: TypeaheadRulesDep, caller: CallerDep) -> RuleOut:
    """A second decision on the same phrase replaces the first. Takes effect at once, for
    every caller (the lists are in the KB database)."""
    try:
        rule = rules.set(body.phrase, Decision(body.decision), by=caller.label)
    except ValueError as exc:  # nothing left once normalised, e.g. punctuation alone
        raise HTTPException(422, f"phrase: {exc} that suggestions can match (letters or "
                                 "digits)") from exc
    return _out(rule)


@router.delete("/v1/typeahead/rules", response_model=RuleOut,
               responses={**ERRORS, 404: {"model": ErrorOut}},
               summary="Forget the decision on a phrase", **allow(Role.EDITOR))
def remove_rule(rules: TypeaheadRulesDep,
                key: Annotated[str, Query(min_length=1, max_length=400,
                                          description="The rule's key.")]) -> RuleOut:
    rule = next((r for r in rules.list() if r.key == key), None)
    if rule is None or not rules.remove(key):
        raise HTTPException(404, f"no allowed or blocked phrase {key!r}")
    return _out(rule)
