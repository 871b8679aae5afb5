"""Log in with an API key for the agent, search and content pages: ``POST /v1/session`` checks
the key and sets a signed session cookie (HttpOnly, SameSite=Strict, Secure), ``GET`` says who
is logged in, ``DELETE`` logs out. The key itself is never stored in the browser."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from kotae.app.api.auth import LOGIN_COOKIE, SESSION_SECONDS, Caller, Role, allow
from kotae.app.api.deps import CallerDep, ServicesDep, rate_limited
from kotae.app.api.schemas.common import ErrorOut

router = APIRouter(tags=["session"])


class LoginIn(BaseModel):
    key: str = Field(min_length=1, max_length=200, description="An API key of this KB.")


class SessionOut(BaseModel):
    role: str = Field(description="public (not logged in), agent, editor or admin.")
    name: str = Field("", description="The key's name.")
    via: str = Field(description="anonymous, key (Authorization header) or session (cookie).")


def _out(caller: Caller) -> SessionOut:
    return SessionOut(role=caller.role.value, name=caller.name, via=caller.via)


def _cookie_path(request: Request) -> str:
    return (request.scope.get("root_path", "") or "") + "/"


@router.post("/v1/session", response_model=SessionOut, summary="Log in with an API key",
             responses={401: {"model": ErrorOut, "description": "Unknown or revoked key."},
                        429: {"model": ErrorOut}},
             **allow(Role.PUBLIC, rate_limited))
def login(body: LoginIn, request: Request, response: Response, s: ServicesDep) -> SessionOut:
    auth = s.auth
    caller = auth.by_key(body.key.strip())
    if caller is None:
        raise HTTPException(401, "unknown or revoked API key")
    secure = s.settings.secure_cookies or request.url.scheme == "https"
    response.set_cookie(LOGIN_COOKIE, auth.session_value(caller), max_age=SESSION_SECONDS,
                        path=_cookie_path(request), httponly=True, samesite="strict",
                        secure=secure)
    return _out(caller)


@router.get("/v1/session", response_model=SessionOut, summary="Who is logged in",
            responses={401: {"model": ErrorOut}}, **allow(Role.PUBLIC))
def whoami(caller: CallerDep) -> SessionOut:
    return _out(caller)


@router.delete("/v1/session", response_model=SessionOut, summary="Log out",
               **allow(Role.PUBLIC))
def logout(request: Request, response: Response) -> SessionOut:
    response.delete_cookie(LOGIN_COOKIE, path=_cookie_path(request), httponly=True,
                           samesite="strict")
    return SessionOut(role=Role.PUBLIC.value, via="anonymous")
