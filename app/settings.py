"""The server's settings: the KB's (``kotae.kb.settings.KBSettings``) plus the HTTP fields,
from the environment (``KOTAE_*``) and the command line."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from kotae.kb.settings import KBSettings

ROLES = ("agent", "admin", "editor")


class Settings(KBSettings):
    """The server's settings: the KB's (``KBSettings``) and the HTTP fields.

    Example: ``KOTAE_HOME=/srv/kb KOTAE_API_KEYS=agent:s3cret kotae serve``.
    """

    model_config = SettingsConfigDict(env_prefix="KOTAE_", extra="ignore")

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
    workers: int = Field(1, ge=1, le=64, description="Server processes on this machine (`kotae "
                         "serve --workers`). With more than one, the per-client rate limit is "
                         "counted in the KB's database (or KOTAE_REDIS_URL's Redis) and "
                         "/metrics adds up every process.")
    log_format: str = Field("text", description="Server log lines: text or json (each carries "
                            "its request id).")
    # Help center and deflection (public endpoints).
    rate_limit_per_minute: int = Field(60, ge=0, description="Requests per minute per client to "
                                       "/v1/deflect, feedback and the contact form; 0 = off.")
    rate_limit_burst: int = Field(20, ge=1, description="Requests a client may send at once "
                                  "before the per-minute rate applies.")
    redis_url: str = Field("", description="Count the per-client rate limit in this Redis "
                           "(redis://HOST:PORT/DB, rediss:// or unix://), shared by every "
                           "server of the KB on any machine; empty: in memory, or in the KB's "
                           "database with several workers. The server does not start when it "
                           "does not answer; if it stops answering later, each process counts "
                           "on its own until it answers again.")
    trust_proxy: bool = Field(False, description="Identify clients by X-Forwarded-For (only "
                              "behind a reverse proxy you run).")
    max_body_bytes: int = Field(1024 * 1024, ge=1, description="Largest request body; larger "
                                "ones get 413 (uploads of documents have their own limit).")

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("KOTAE_REDIS_URL must start with redis://, rediss:// or unix://")
        return value

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
