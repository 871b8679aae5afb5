"""The token bucket behind the 429s: a pure function, a limiter in memory and one shared by
several processes through the KB's database or through Redis (time is passed in)."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from multiprocessing import Queue
from pathlib import Path

import pytest

from kotae.app.api.ratelimit import Bucket, RateLimiter, SharedRateLimiter, take_token
from kotae.kb import KBStore
from kotae.kb.rate_buckets import BucketStore, RedisBucketStore, StoreUnavailable


def test_a_new_client_has_a_full_bucket():
    bucket, wait = take_token(None, now=100.0, rate=1.0, burst=3)
    assert wait == 0.0 and bucket == Bucket(2.0, 100.0)


def test_an_empty_bucket_says_how_long_to_wait_and_refills():
    bucket = Bucket(0.25, 10.0)
    refused, wait = take_token(bucket, now=10.0, rate=0.5, burst=2)
    assert wait == pytest.approx(1.5) and refused.tokens == pytest.approx(0.25)
    allowed, wait = take_token(refused, now=11.5, rate=0.5, burst=2)
    assert wait == 0.0 and allowed.tokens == pytest.approx(0.0)


def test_refill_never_exceeds_the_burst():
    bucket, _ = take_token(Bucket(0.0, 0.0), now=1_000.0, rate=1.0, burst=5)
    assert bucket.tokens == pytest.approx(4.0)


def test_clocks_that_go_backwards_do_not_add_tokens():
    bucket, wait = take_token(Bucket(0.0, 50.0), now=40.0, rate=1.0, burst=5)
    assert wait == pytest.approx(1.0) and bucket.tokens == 0.0


def test_limiter_counts_each_client_apart_and_rounds_retry_after_up():
    now = [0.0]
    limiter = RateLimiter(per_minute=30, burst=2, clock=lambda: now[0])
    assert [limiter.check("a") for _ in range(3)] == [0.0, 0.0, 2.0]
    assert limiter.check("b") == 0.0
    now[0] = 2.0
    assert limiter.check("a") == 0.0


def test_limiter_forgets_the_least_recent_clients_first():
    limiter = RateLimiter(per_minute=1, burst=1, max_clients=2, clock=lambda: 0.0)
    assert limiter.check("a") == 0.0 and limiter.check("b") == 0.0
    assert limiter.check("c") == 0.0  # "a" is forgotten
    assert limiter.check("a") == 0.0 and limiter.check("c") == 60.0


def test_zero_per_minute_turns_limiting_off():
    limiter = RateLimiter(per_minute=0, burst=1)
    assert not limiter.enabled and all(limiter.check("a") == 0.0 for _ in range(100))


@pytest.mark.parametrize("kwargs", [{"per_minute": -1, "burst": 1},
                                    {"per_minute": 10, "burst": 0},
                                    {"per_minute": 10, "burst": 1, "max_clients": 0}])
def test_bad_settings_are_refused(kwargs, tmp_path):
    with pytest.raises(ValueError):
        RateLimiter(**kwargs)
    with pytest.raises(ValueError):
        take_token(None, 0.0, rate=0.0, burst=1)
    if "max_clients" not in kwargs:  # the limiter shared by processes refuses the same
        with pytest.raises(ValueError, match="rate limit"):
            _shared(tmp_path / "kb", kwargs["per_minute"], kwargs["burst"])


# --- shared by several server processes (kotae serve --workers N) ---------------------------


def _shared(db: Path, per_minute: int = 30, burst: int = 2,
            clock: Callable[[], float] = lambda: 0.0) -> SharedRateLimiter:
    return SharedRateLimiter(BucketStore(KBStore.for_dir(db)), per_minute, burst, clock=clock)


@pytest.fixture(params=["database", "postgresql", "redis"])
def shared(request, tmp_path) -> Callable[..., SharedRateLimiter]:
    """``shared(per_minute, burst, clock)``: a limiter over one store of this kind, shared by
    every limiter it makes (the KB's SQLite database, PostgreSQL, Redis)."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        return lambda per_minute=30, burst=2, clock=lambda: 0.0: _on_redis(
            url, per_minute, burst, clock=clock)
    if request.param == "postgresql":
        pg = request.getfixturevalue("pg_url")
        return lambda per_minute=30, burst=2, clock=lambda: 0.0: SharedRateLimiter(
            BucketStore(KBStore(pg)), per_minute, burst, clock=clock)
    return lambda per_minute=30, burst=2, clock=lambda: 0.0: _shared(
        tmp_path, per_minute, burst, clock)


def test_two_limiters_on_one_store_count_a_client_once(shared):
    """Two workers' (or servers') limiters over one store: the burst is spent across both."""
    now = [100.0]
    first, second = (shared(clock=lambda: now[0]) for _ in range(2))
    assert [first.check("a"), second.check("a"), first.check("a")] == [0.0, 0.0, 2.0]
    assert second.check("a") == 2.0 and second.check("b") == 0.0
    now[0] = 102.0
    assert second.check("a") == 0.0 and first.check("a") == 2.0


def test_the_shared_limiter_spends_tokens_by_the_same_rule_as_the_one_in_memory(shared):
    times = [0.0, 0.0, 0.5, 0.9, 3.0, 3.1, 3.2, 9.0, 9.0, 9.0, 9.0]
    memory = RateLimiter(per_minute=60, burst=3, clock=iter(times).__next__)
    limiter = shared(per_minute=60, burst=3, clock=iter(times).__next__)
    assert [limiter.check("x") for _ in times] == [memory.check("x") for _ in times]


def test_idle_buckets_are_forgotten_as_full_ones(tmp_path):
    limiter = _shared(tmp_path, per_minute=60, burst=1, clock=lambda: 10.0)
    assert limiter.check("a") == 0.0 and limiter.check("a") == 1.0
    assert limiter.buckets.forget_before(5.0) == 0 and len(limiter.buckets) == 1
    assert limiter.buckets.forget_before(11.0) == 1 and limiter.check("a") == 0.0


# --- in Redis (KOTAE_REDIS_URL): servers on several machines -------------------------------


def _on_redis(url: str, per_minute: int = 30, burst: int = 2, namespace: str = "kb-a",
              clock: Callable[[], float] = lambda: 0.0) -> SharedRateLimiter:
    store = RedisBucketStore.connect(url, namespace, keep=burst * 60.0 / per_minute)
    return SharedRateLimiter(store, per_minute, burst, clock=clock)


def test_another_kb_on_the_same_redis_keeps_its_own_buckets(redis_url):
    ours, theirs = _on_redis(redis_url, namespace="kb-a"), _on_redis(redis_url, namespace="kb-b")
    assert [ours.check("a"), ours.check("a"), ours.check("a")] == [0.0, 0.0, 2.0]
    assert theirs.check("a") == 0.0


def test_a_redis_bucket_expires_once_it_would_be_full_again(redis_url):
    """No sweeping: the key lives as long as the bucket takes to refill (burst 4 at 60 a
    minute: 4 s), plus a second, and is renewed by each request."""
    limiter = _on_redis(redis_url, per_minute=60, burst=4, clock=time.time)
    assert limiter.check("a") == 0.0
    store = limiter.buckets
    assert isinstance(store, RedisBucketStore) and len(store) == 1
    ttl_ms = store.redis.pttl(store.prefix + "a")
    assert 4_000 < ttl_ms <= 5_000
    assert store.forget_before(time.time() + 1e6) == 0 and len(store) == 1


def _race(where: str, n: int, start, out: Queue) -> None:  # in a child process
    """``n`` tries to spend a token of one bucket of 25 through the store at ``where`` (a
    redis:// URL or a KB folder), each rule taking 2 ms between the read and the write, so
    that without the store's atomic update processes would spend one token twice. A store may
    run the rule again when another process wrote meanwhile: the last run is the one kept."""
    store: RedisBucketStore | BucketStore = (
        RedisBucketStore.connect(where, "kb-a", keep=60.0) if where.startswith("redis://")
        else BucketStore(KBStore.for_dir(Path(where))))
    kept = [False]

    def slow_spend(state: tuple[float, float] | None) -> tuple[float, float]:
        tokens = 25.0 if state is None else state[0]
        time.sleep(0.002)
        kept[0] = tokens >= 1
        return (tokens - 1 if kept[0] else tokens, 0.0)

    start.wait()
    allowed = 0
    for _ in range(n):
        store.update("same-client", slow_spend)
        allowed += kept[0]
    out.put(allowed)


@pytest.mark.parametrize("kind", ["database", "redis"])
def test_processes_racing_for_one_bucket_never_spend_more_than_it_holds(kind, tmp_path,
                                                                        request):
    """Four processes, started together, try 20 times each for a bucket of 25: exactly 25
    spends go through (the KB's database: SQLite's write lock; Redis: WATCH/MULTI)."""
    where = request.getfixturevalue("redis_url") if kind == "redis" else str(tmp_path)
    if kind == "database":
        BucketStore(KBStore.for_dir(tmp_path))  # the table exists before they start
    ctx = multiprocessing.get_context("spawn")
    out, start = ctx.Queue(), ctx.Barrier(4)
    procs = [ctx.Process(target=_race, args=(where, 20, start, out)) for _ in range(4)]
    for p in procs:
        p.start()
    allowed = sum(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=30)
    assert allowed == 25


def test_a_redis_that_does_not_answer_is_named_without_its_password(free_port):
    url = f"redis://kotae:s3cret@127.0.0.1:{free_port()}/0"
    with pytest.raises(StoreUnavailable) as caught:
        RedisBucketStore.connect(url, "kb-a", keep=1.0)
    assert "127.0.0.1" in str(caught.value) and "s3cret" not in str(caught.value)


def test_when_redis_stops_answering_each_process_still_limits_and_says_so(caplog,
                                                                        free_port):
    """A Redis that goes away must not take the help center with it, nor lift the limit."""
    from redis import Redis

    tries = []

    class Gone(RedisBucketStore):  # a real client of a port nothing listens on, counted
        def update(self, client, rule):
            tries.append(client)
            return super().update(client, rule)

    gone = Gone(Redis(port=free_port(), socket_connect_timeout=0.2), "kb-a", keep=4.0)
    now = [0.0]
    limiter = SharedRateLimiter(gone, per_minute=30, burst=2, clock=lambda: now[0])
    with caplog.at_level("WARNING", logger="kotae.app.api.ratelimit"):
        assert [limiter.check("a") for _ in range(3)] == [0.0, 0.0, 2.0]
        assert len(tries) == 1  # then this process counts alone for a while, asking no one
        now[0] = SharedRateLimiter.RETRY_S
        assert limiter.check("b") == 0.0 and len(tries) == 2  # and then asks Redis again
    warnings = [r for r in caplog.records if "counting in this process" in r.getMessage()]
    assert len(warnings) == 1  # once a minute, not once a request


def test_a_server_whose_redis_is_down_still_answers_and_still_limits(sample_settings, embedder,
                                                                     free_port):
    """The app is built without reaching Redis (`kotae serve` checks it at start); when it
    does not answer, the help center keeps answering, a client still gets its limit."""
    from fastapi.testclient import TestClient

    from kotae.app.api import create_app
    from kotae.app.settings import Settings
    from kotae.knowledge_base import open_kb

    settings = Settings(**{**sample_settings.model_dump(),
                           "redis_url": f"redis://127.0.0.1:{free_port()}/0",
                           "rate_limit_per_minute": 1, "rate_limit_burst": 2,
                           "api_keys": "admin:redis-test-admin"})
    app = create_app(settings, kb=open_kb(settings, embedder=embedder))
    with TestClient(app) as client:
        statuses = [client.post("/v1/deflect", json={"question": "パスワードを忘れました"}
                                ).status_code for _ in range(3)]
        shown = client.get("/v1/admin/settings",
                           headers={"Authorization": "Bearer redis-test-admin"}).json()
    assert statuses == [200, 200, 429]
    assert shown["rate_limit_store"] == "redis"  # an admin sees where limits are counted


def test_without_the_redis_client_the_message_says_what_to_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "redis", None)  # as if kotae[redis] were not installed
    with pytest.raises(StoreUnavailable, match=r"kotae\[redis\]"):
        RedisBucketStore.connect("redis://127.0.0.1:6379/0", "kb-a", keep=1.0)


def test_a_redis_url_of_another_scheme_is_refused():
    from pydantic import ValidationError

    from kotae.app.settings import Settings

    with pytest.raises(ValidationError, match="KOTAE_REDIS_URL"):
        Settings(redis_url="http://127.0.0.1:6379")
