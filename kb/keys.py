"""API keys of one knowledge base, stored hashed: only a key's SHA-256 is kept, never the key.

A key is 32 random bytes (url-safe base64, prefixed ``kt_``), so a plain SHA-256 is enough: there
is nothing to brute-force that a slow hash would protect (unlike a password). The key is shown
once, when it is made; a row keeps its role, a name, a short prefix to recognise it by, and when
it was made, last used and revoked.

Example:
    >>> keys = KeyStore(KBStore.for_dir("var/kb"))
    >>> made = keys.create("agent", "Sato (support desk)")
    >>> keys.verify(made.secret).role
    'agent'
    >>> keys.revoke(made.key.id)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kotae.kb.store import Base, KBStore

ROLES = ("public", "agent", "editor", "admin")  # each role may do all that the ones before it do
KEY_PREFIX = "kt_"


class ApiKeyRow(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    prefix: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(40))
    revoked_at: Mapped[str | None] = mapped_column(String(40), nullable=True, default=None)


@dataclass(frozen=True)
class ApiKey:
    """A stored key, without its secret."""

    id: str
    role: str
    name: str
    prefix: str
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    secret: str  # shown once; only its digest is stored


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_role(role: str) -> str:
    role = role.strip().lower()
    if role not in ROLES or role == "public":
        raise ValueError(f"unknown key role {role!r}; allowed: {', '.join(ROLES[1:])}")
    return role


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(id=row.id, role=row.role, name=row.name, prefix=row.prefix,
                  created_at=row.created_at, revoked_at=row.revoked_at)


class KeyStore:
    """The KB's API keys (table created on first use)."""

    def __init__(self, store: KBStore) -> None:
        self.store = store
        Base.metadata.create_all(store.engine, tables=[Base.metadata.tables["api_keys"]])

    def create(self, role: str, name: str) -> CreatedKey:
        role, name = check_role(role), name.strip()
        if not name or len(name) > 200:
            raise ValueError("a key needs a name of 1–200 characters (who or what uses it)")
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        row = ApiKeyRow(id=secrets.token_hex(8), digest=digest(secret), prefix=secret[:10],
                        role=role, name=name, created_at=_now())
        with self.store.session() as s:
            s.add(row)
            s.flush()
            key = _key(row)
        return CreatedKey(key, secret)

    def list(self, include_revoked: bool = True) -> list[ApiKey]:
        with Session(self.store.engine) as s:
            rows = s.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.id))
            keys = [_key(r) for r in rows]
        return [k for k in keys if include_revoked or k.active]

    def get(self, key_id: str) -> ApiKey | None:
        with Session(self.store.engine) as s:
            row = s.get(ApiKeyRow, key_id)
            return _key(row) if row else None

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key by its id (or its shown prefix); LookupError when there is none."""
        with self.store.session() as s:
            row = s.get(ApiKeyRow, key_id) or s.scalars(
                select(ApiKeyRow).where(ApiKeyRow.prefix == key_id)).first()
            if row is None:
                raise LookupError(f"no API key {key_id!r}")
            if row.revoked_at is None:
                row.revoked_at = _now()
            s.flush()
            return _key(row)

    def verify(self, secret: str) -> ApiKey | None:
        """The active key with this secret, or None (unknown or revoked)."""
        if not secret.startswith(KEY_PREFIX) or len(secret) > 100:
            return None
        wanted = digest(secret)
        with Session(self.store.engine) as s:
            row = s.scalars(select(ApiKeyRow).where(ApiKeyRow.digest == wanted)).first()
            if row is None or row.revoked_at is not None:
                return None
            # The lookup is by digest; compare again in constant time all the same.
            return _key(row) if hmac.compare_digest(row.digest, wanted) else None
