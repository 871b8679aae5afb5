"""Rate-limit buckets shared by every process serving a KB: in the KB's database
(``BucketStore``: the workers of `kotae serve --workers N`, or servers sharing one PostgreSQL)
or in Redis (``RedisBucketStore``, when ``KOTAE_REDIS_URL`` is set: servers on several
machines, without a write to the KB's database per request). The bucket rule itself (how tokens
refill and are spent) is the caller's (``kotae.app.api.ratelimit.take_token``); this module
only makes "read the bucket, apply the rule, write it back" atomic across processes.

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

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Float, String, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from kotae.kb.store import Base, KBStore

# (tokens, updated): updated is wall-clock seconds (time.time), the clock every process shares.
State = tuple[float, float]
NEW = -1.0  # the placeholder row's "updated": no request of this client seen yet

if TYPE_CHECKING:
    from redis import Redis


class StoreUnavailable(RuntimeError):
    """The shared store did not answer (Redis down or unreachable); the limiter falls back to
    counting in its own process until it answers again."""


class Buckets(Protocol):
    """What a shared limiter needs of a bucket store (``kind``: where it keeps them)."""

    kind: str

    def update(self, client: str, rule: Callable[[State | None], State]) -> State: ...

    def forget_before(self, when: float) -> int: ...


class RateBucketRow(Base):
    __tablename__ = "rate_buckets"
    client: Mapped[str] = mapped_column(String(200), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated: Mapped[float] = mapped_column(Float, index=True)


class BucketStore:
    """One row per client seen lately (table created on first use)."""

    kind = "database"

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


class RedisBucketStore:
    """One Redis hash per client seen lately, under ``kotae:rate:<KB>:<client>``, where <KB>
    is a digest of the KB's database address: every server of one KB shares its buckets, and
    other KBs on the same Redis keep theirs apart.

    Atomic how: Redis' optimistic transaction (WATCH the key, read, MULTI … EXEC, again if the
    key changed meanwhile), so the rule runs here, in Python, as for the database. A key
    expires a second more than ``keep`` seconds (the time a bucket takes to fill up again) after
    its last use, so nothing needs sweeping: an expired bucket is a full one.

    >>> buckets = RedisBucketStore.connect("redis://127.0.0.1:6379/0", "sqlite:///var/kb/kb.db",
    ...                                    keep=20.0)
    """

    kind = "redis"
    TIMEOUT_S = 0.5  # a Redis that hangs delays a public request by at most this much

    def __init__(self, redis: Redis, namespace: str, keep: float) -> None:
        if keep <= 0:
            raise ValueError(f"keep must be > 0 seconds, got {keep}")
        self.redis, self.keep_ms = redis, int(keep * 1000) + 1000
        digest = hashlib.sha256(namespace.encode()).hexdigest()[:12]
        self.prefix = f"kotae:rate:{digest}:"

    @classmethod
    def from_url(cls, url: str, namespace: str, keep: float) -> RedisBucketStore:
        """A store on the Redis at ``url`` (``redis://``, ``rediss://`` or ``unix://``),
        connected on first use (a Redis that is down then makes each check fall back);
        ``ValueError`` for a URL that is not one, ``StoreUnavailable`` without redis-py."""
        try:
            from redis import Redis
        except ImportError as exc:
            raise StoreUnavailable("KOTAE_REDIS_URL needs the Redis client: "
                                   "pip install 'kotae[redis]'") from exc

        return cls(Redis.from_url(url, socket_timeout=cls.TIMEOUT_S,
                                  socket_connect_timeout=cls.TIMEOUT_S), namespace, keep)

    @classmethod
    def connect(cls, url: str, namespace: str, keep: float) -> RedisBucketStore:
        """``from_url``, then a ping: raises ``StoreUnavailable`` (saying which address, never
        its password) when the Redis does not answer or the URL is not one."""
        try:
            store = cls.from_url(url, namespace, keep)  # without redis-py: what to install
        except ValueError as exc:
            raise StoreUnavailable(f"{_hide_password(url)} is not a Redis URL: {exc}") from exc
        from redis.exceptions import RedisError

        try:
            store.redis.ping()
        except RedisError as exc:
            raise StoreUnavailable(f"Redis at {_hide_password(url)} does not answer: {exc}") \
                from exc
        return store

    def update(self, client: str, rule: Callable[[State | None], State]) -> State:
        """Apply ``rule`` to ``client``'s bucket (None when it has none) and keep what it
        returns, atomically with respect to every other process using this Redis."""
        from redis.exceptions import RedisError

        key = self.prefix + client
        out: list[State] = []

        def attempt(pipe):  # redis-py repeats it while another process changed the key
            tokens, updated = pipe.hmget(key, "tokens", "updated")
            new = rule(None if tokens is None or updated is None
                       else (float(tokens), float(updated)))
            pipe.multi()
            pipe.hset(key, mapping={"tokens": repr(new[0]), "updated": repr(new[1])})
            pipe.pexpire(key, self.keep_ms)
            out[:] = [new]

        try:
            self.redis.transaction(attempt, key)
        except RedisError as exc:
            raise StoreUnavailable(f"Redis did not answer: {exc}") from exc
        return out[0]

    def forget_before(self, when: float) -> int:
        """Nothing to do: Redis drops an idle bucket itself once it would be full again."""
        return 0

    def __len__(self) -> int:
        return sum(1 for _ in self.redis.scan_iter(match=self.prefix + "*", count=1000))


def _hide_password(url: str) -> str:
    """``redis://user:secret@host`` → ``redis://user:***@host`` (for messages and logs)."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, auth = head.partition("://")
    user = auth.partition(":")[0]
    return f"{scheme}://{user}:***@{tail}"
