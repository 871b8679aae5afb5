"""Per-client rate limiting for the public endpoints: a token bucket per client.

Each client may send ``burst`` requests at once, then one more every ``60 / per_minute``
seconds. A refused request learns how long to wait (the ``Retry-After`` of the 429).
One server process keeps the buckets in memory (``RateLimiter``); several (``kotae serve
--workers N``) keep them in the KB's database, or in Redis when ``KOTAE_REDIS_URL`` is set
(``SharedRateLimiter``), so a client is counted once whichever process answers it. All spend
tokens by the same rule (``take_token``). While the shared store does not answer, a shared
limiter counts in its own process (logged), so the help center stays up and still limited.

Example:
    >>> limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: 0.0)
    >>> [limiter.check("203.0.113.7") for _ in range(3)]
    [0.0, 0.0, 1.0]
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from kotae.kb.rate_buckets import Buckets

log = logging.getLogger(__name__)

DEFAULT_MAX_CLIENTS = 10_000
SWEEP_CHANCE = 0.001  # a shared limiter drops long-idle buckets on about 1 check in 1,000


@dataclass(frozen=True, slots=True)
class Bucket:
    tokens: float
    updated: float


def take_token(bucket: Bucket | None, now: float, rate: float, burst: int
               ) -> tuple[Bucket, float]:
    """Spend one token of ``bucket`` at time ``now`` (seconds); ``rate`` is tokens per second.

    Returns the bucket after the attempt and the seconds to wait (0 when the request may go).
    A client not seen before starts with a full bucket.

    >>> b, wait = take_token(None, 10.0, rate=0.5, burst=1)
    >>> wait, take_token(b, 10.0, rate=0.5, burst=1)[1], take_token(b, 12.0, 0.5, 1)[1]
    (0.0, 2.0, 0.0)
    """
    if rate <= 0 or burst < 1:
        raise ValueError(f"need rate > 0 and burst >= 1, got rate={rate}, burst={burst}")
    if bucket is None:
        tokens = float(burst)
    else:
        elapsed = max(0.0, now - bucket.updated)
        tokens = min(float(burst), bucket.tokens + elapsed * rate)
    if tokens >= 1.0:
        return Bucket(tokens - 1.0, now), 0.0
    return Bucket(tokens, now), (1.0 - tokens) / rate


class Limiter(Protocol):
    """What the routes use: ``check(client)`` is 0.0 when the request may go, else the wait;
    ``where`` the buckets are kept (memory, database or redis)."""

    where: str

    @property
    def enabled(self) -> bool: ...

    def check(self, client: str) -> float: ...


def _check_limits(per_minute: int, burst: int) -> None:
    """What every limiter accepts: a rate per minute (0 = off) and a burst of at least 1."""
    if per_minute < 0:
        raise ValueError(f"rate limit per minute must be >= 0 (0 = off), got {per_minute}")
    if burst < 1:
        raise ValueError(f"rate limit burst must be at least 1, got {burst}")


def _retry_after(wait: float) -> float:
    """Whole seconds, as ``Retry-After`` wants (0.0 when the request may go)."""
    return float(math.ceil(wait)) if wait > 0 else 0.0


class RateLimiter:
    """Token buckets per client key in this process (thread-safe); ``per_minute=0`` turns
    limiting off.

    Remembers at most ``max_clients`` clients; the least recently seen are forgotten first
    (a forgotten client starts again with a full bucket, which only errs on the kind side).
    """

    where = "memory"

    def __init__(self, per_minute: int, burst: int, max_clients: int = DEFAULT_MAX_CLIENTS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        _check_limits(per_minute, burst)
        if max_clients < 1:
            raise ValueError(f"max_clients must be at least 1, got {max_clients}")
        self.per_minute, self.burst, self.max_clients = per_minute, burst, max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def check(self, client: str) -> float:
        """0.0 when ``client`` may make a request now (and count it), else the seconds to wait,
        rounded up to whole seconds as ``Retry-After`` wants."""
        if not self.enabled:
            return 0.0
        with self._lock:
            bucket, wait = take_token(self._buckets.get(client), self._clock(),
                                      self.per_minute / 60.0, self.burst)
            self._buckets[client] = bucket
            self._buckets.move_to_end(client)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return _retry_after(wait)


class SharedRateLimiter:
    """Token buckets per client key in a store shared by every process serving the KB (its
    database, or Redis: ``kotae.kb.rate_buckets``).

    Buckets idle long enough to be full again are dropped now and then (a dropped bucket is a
    full one). ``clock`` must be the same in every process: wall-clock seconds. When the store
    does not answer (``StoreUnavailable``), the check is made by an in-process limiter of the
    same limits instead, and so is every check of the next ``RETRY_S`` seconds (a Redis that
    hangs delays one request in that time, not each); a warning is logged at most once a
    minute.

    >>> limiter = SharedRateLimiter(BucketStore(KBStore.for_dir("var/kb")), 60, burst=2)
    """

    WARN_EVERY_S = 60.0
    RETRY_S = 5.0

    def __init__(self, buckets: Buckets, per_minute: int, burst: int,
                 clock: Callable[[], float] = time.time) -> None:
        _check_limits(per_minute, burst)
        self.buckets, self.per_minute, self.burst, self._clock = buckets, per_minute, burst, clock
        self.where = buckets.kind
        self.fallback = RateLimiter(per_minute, burst, clock=clock)
        self._warned = self._down_until = -math.inf

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def check(self, client: str) -> float:
        if not self.enabled:
            return 0.0
        rate, now, waits = self.per_minute / 60.0, self._clock(), [0.0]
        if now < self._down_until:
            return self.fallback.check(client)

        def spend(state: tuple[float, float] | None) -> tuple[float, float]:
            bucket, waits[0] = take_token(Bucket(*state) if state else None, now, rate,
                                          self.burst)
            return bucket.tokens, bucket.updated

        from kotae.kb.rate_buckets import StoreUnavailable

        try:
            self.buckets.update(client, spend)
            if random.random() < SWEEP_CHANCE:  # noqa: S311 (not security: when to tidy up)
                self.buckets.forget_before(now - self.burst / rate)
        except StoreUnavailable as exc:
            self._down_until = now + self.RETRY_S
            if now - self._warned >= self.WARN_EVERY_S:
                self._warned = now
                log.warning("rate limit: %s; counting in this process until it answers", exc)
            return self.fallback.check(client)
        return _retry_after(waits[0])
