"""Wiring of suggested replies: the suggester (with the LLM drafter when one is configured) and
the feedback store, made on first use and kept on ``app.state``; shared with ``kotae suggest``.

The LLM is configured by environment (``KOTAE_LLM_URL``, ``KOTAE_LLM_API_KEY``,
``KOTAE_LLM_MODEL``, ``KOTAE_LLM_UNSUPPORTED``): any OpenAI-compatible endpoint, a local
llama.cpp server included. Without ``KOTAE_LLM_URL`` the grounded drafter (no LLM) is used.
"""

from __future__ import annotations

import threading

from fastapi import Request
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kotae.app.deps import get_searcher, get_settings
from kotae.app.services import store_for
from kotae.app.settings import Settings
from kotae.kb.feedback import FeedbackStore
from kotae.retrieval import Searcher
from kotae.suggest import GroundedDrafter, LLMConfig, LLMDrafter, Suggester
from kotae.suggest.drafter import Drafter

_LOCK = threading.Lock()


class LLMSettings(BaseSettings):
    """Example: ``KOTAE_LLM_URL=http://127.0.0.1:8080/v1 KOTAE_LLM_MODEL=local kotae serve``."""

    model_config = SettingsConfigDict(env_prefix="KOTAE_LLM_", extra="ignore")

    url: str = Field("", description="OpenAI-compatible base URL; empty: no LLM.")
    api_key: str = Field("not-needed", description="API key for the endpoint.")
    model: str = Field("default", description="Model name the endpoint serves.")
    unsupported: str = Field("drop", description="Unsupported sentences: drop or flag.")
    timeout: float = Field(60.0, gt=0, description="Seconds to wait for the endpoint.")

    def config(self) -> LLMConfig | None:
        if not self.url:
            return None
        return LLMConfig(base_url=self.url, api_key=self.api_key, model=self.model,
                         on_unsupported=self.unsupported, timeout=self.timeout)


def make_suggester(settings: Settings, searcher: Searcher,
                   llm: LLMSettings | None = None) -> Suggester:
    store = store_for(settings)
    config = (llm or LLMSettings()).config()
    drafter: Drafter = GroundedDrafter(searcher.tokenizer)
    if config is not None:
        drafter = LLMDrafter(config, searcher.tokenizer, fallback=drafter)
    return Suggester(searcher, store, searcher.tokenizer, drafter=drafter)


def get_suggester(request: Request) -> Suggester:
    suggester: Suggester | None = getattr(request.app.state, "suggester", None)
    if suggester is None:
        with _LOCK:
            suggester = getattr(request.app.state, "suggester", None)
            if suggester is None:
                suggester = make_suggester(get_settings(request), get_searcher(request))
                request.app.state.suggester = suggester
    return suggester


def get_feedback(request: Request) -> FeedbackStore:
    feedback: FeedbackStore | None = getattr(request.app.state, "suggest_feedback", None)
    if feedback is None:
        with _LOCK:
            feedback = getattr(request.app.state, "suggest_feedback", None)
            if feedback is None:
                feedback = FeedbackStore(store_for(get_settings(request)))
                request.app.state.suggest_feedback = feedback
    return feedback
