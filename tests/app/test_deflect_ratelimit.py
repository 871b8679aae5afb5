"""The token bucket behind the 429s: a pure function and a small class (time is passed in)."""

from __future__ import annotations

import pytest

from kotae.app.api.ratelimit import Bucket, RateLimiter, take_token


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
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        RateLimiter(**kwargs)
    with pytest.raises(ValueError):
        take_token(None, 0.0, rate=0.0, burst=1)
