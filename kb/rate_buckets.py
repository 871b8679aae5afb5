"""Rate-limit buckets kept in the KB's database, so every process serving the KB (the workers of
`kotae serve --workers N`, or servers sharing one PostgreSQL) counts a client's requests
together. The bucket rule itself (how tokens refill and are spent) is the caller's
(``kotae.app.api.ratelimit.take_token``); this module only makes "read the bucket, apply the
rule, write it back" atomic across processes.

Atomic how: the transaction's first statement is a write (an insert that does nothing when the
client's row exists), so on SQLite it holds the database's write lock before it reads, and on
PostgreSQL the row is then read ``FOR UPDATE``. Two processes can never both spend the last
token.

Example:
    >>> buckets = BucketStore(KBStore.for_dir("var/kb"))
    >>> buckets.update("ip:203.0.113.7", lambda old: ((old or (3.0, 0.0))[0] - 1, 10.0))
    (2.0, 10.0)
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Float, String, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from kotae.kb.store import Base, KBStore

# (tokens, updated): updated is wall-clock seconds (time.time), the clock every process shares.
State = tuple[float, float]
NEW = -1.0  # the placeholder row's "updated": no request of this client seen yet


class RateBucketRow(Base):
    __tablename__ = "rate_buckets"
    client: Mapped[str] = mapped_column(String(200), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated: Mapped[float] = mapped_column(Float, index=True)


class BucketStore:
    """One row per client seen lately (table created on first use)."""

    def __init__(self, store: KBStore) -> None:
        self.store = store
        Base.metadata.create_all(store.engine, tables=[Base.metadata.tables["rate_buckets"]])

    def update(self, client: str, rule: Callable[[State | None], State]) -> State:
        """Apply ``rule`` to ``client``'s bucket (None when it has none) and keep what it
        returns, atomically with respect to every other process using this database."""
        insert = pg_insert if self.store.engine.dialect.name == "postgresql" else sqlite_insert
        with self.store.session() as s:
            s.execute(insert(RateBucketRow).values(client=client, tokens=0.0, updated=NEW)
                      .on_conflict_do_nothing(index_elements=["client"]))
            tokens, updated = s.execute(
                select(RateBucketRow.tokens, RateBucketRow.updated)
                .where(RateBucketRow.client == client).with_for_update()).one()
            new = rule(None if updated == NEW else (tokens, updated))
            s.execute(update(RateBucketRow).where(RateBucketRow.client == client)
                      .values(tokens=new[0], updated=new[1]))
        return new

    def forget_before(self, when: float) -> int:
        """Drop the buckets last used before ``when`` (a full bucket is the same as none);
        returns how many were dropped."""
        with self.store.session() as s:
            result = s.execute(delete(RateBucketRow).where(RateBucketRow.updated < when))
            return int(getattr(result, "rowcount", 0) or 0)

    def __len__(self) -> int:
        with self.store.session() as s:
            return int(s.execute(select(func.count()).select_from(RateBucketRow)).scalar_one())
