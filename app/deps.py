"""Dependencies shared by the routes: the searcher, the settings, the caller's role."""

from __future__ import annotations

from fastapi import Request

from kotae.app.auth import Role, caller_role
from kotae.app.settings import Settings
from kotae.retrieval import Searcher


def get_searcher(request: Request) -> Searcher:
    searcher: Searcher = request.app.state.searcher
    return searcher


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


__all__ = ["Role", "caller_role", "get_searcher", "get_settings"]
