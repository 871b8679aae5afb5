"""Two `kotae serve` processes of one KB with ``KOTAE_REDIS_URL``: as servers on two machines
would, they count a client's rate limit once, in a real redis-server (``.ci/run`` starts one
on loopback). A Redis that does not answer stops the start with one line."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest
from redis import Redis

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LIMITED = "e2e-limited"
BURST = 3


def test_two_servers_of_one_kb_count_a_client_once_in_redis(
        tmp_path, sample_settings, copy_kb, serve_process, redis_url):
    kb = copy_kb(sample_settings.home, tmp_path / "kb")
    env = {"KOTAE_REDIS_URL": redis_url, "KOTAE_RATE_LIMIT_PER_MINUTE": "1",
           "KOTAE_RATE_LIMIT_BURST": str(BURST)}
    with serve_process(kb, f"agent:{LIMITED}", timeout=180, env=env) as (_a, first), \
            serve_process(kb, f"agent:{LIMITED}", timeout=180, env=env) as (_b, second):
        statuses = []
        for base in [first, second] * (BURST + 1):
            with httpx.Client(timeout=60) as client:
                statuses.append(client.post(
                    base + "/v1/deflect", json={"question": "パスワードを忘れました"},
                    headers={"Authorization": f"Bearer {LIMITED}"}).status_code)
    assert statuses == [200] * BURST + [429] * (BURST + 2)
    with Redis.from_url(redis_url) as redis:  # the buckets are in Redis, not in the KB
        assert any(key.startswith(b"kotae:rate:") for key in redis.scan_iter())


def test_a_redis_that_does_not_answer_stops_the_start(sample_settings, free_port):
    port = free_port()
    done = subprocess.run(
        [sys.executable, "-m", "kotae.app", "serve", "--kb", str(sample_settings.home),
         "--port", "1"], capture_output=True, text=True, timeout=120,
        env={**os.environ,
             "KOTAE_REDIS_URL": f"redis://:hunter2@127.0.0.1:{port}/0"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "KOTAE_REDIS_URL" in done.stderr and f"127.0.0.1:{port}" in done.stderr
    assert "hunter2" not in done.stdout + done.stderr
