"""`kotae serve --workers 2` end to end: the processes share what must be shared.

One server on a copy of the sample KB, two worker processes. Every request opens a new
connection, so the kernel hands it to either worker. What is checked: requests are answered
by both; /metrics adds up every worker's requests; a client's rate limit is counted once
whichever worker answers; a login cookie is good on every worker; a worker that dies is
replaced while the other goes on answering; a re-ingest is served by every worker.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

AGENT, ADMIN, LIMITED = "e2e-agent", "e2e-admin", "e2e-limited"
BURST = 4


def _get(base: str, path: str, **kw) -> httpx.Response:
    with httpx.Client(timeout=60) as client:  # a new connection each time
        return client.get(base + path, **kw)


def _post(base: str, path: str, **kw) -> httpx.Response:
    with httpx.Client(timeout=60) as client:
        return client.post(base + path, **kw)


def _workers(parent: int) -> set[int]:
    """The worker processes of the server (its children that run uvicorn's worker entry)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rpartition(")")[2].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent and b"spawn_main" in cmdline:
            found.add(int(stat.parent.name))
    return found


def _served_by(metrics_dir: Path) -> set[str]:
    """The worker pids that have counted a request (prometheus_client's file per process)."""
    return {m.group(1) for f in metrics_dir.iterdir()
            if (m := re.fullmatch(r"counter_(\d+)\.db", f.name))}


@pytest.fixture(scope="module")
def served(tmp_path_factory, sample_settings, copy_kb, serve_process
           ) -> Iterator[tuple[subprocess.Popen[bytes], str, Path, Path]]:
    root = tmp_path_factory.mktemp("workers")
    kb = copy_kb(sample_settings.home, root / "kb")
    metrics = root / "metrics"
    metrics.mkdir()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(metrics), "KOTAE_RATE_LIMIT_PER_MINUTE": "1",
           "KOTAE_RATE_LIMIT_BURST": str(BURST)}
    keys = f"agent:{AGENT},admin:{ADMIN},agent:{LIMITED}"
    with serve_process(kb, keys, timeout=180, env=env, args=["--workers", "2"]) as (proc, base):
        deadline = time.monotonic() + 120
        while len(_workers(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        yield proc, base, kb, metrics


def test_both_workers_answer_and_metrics_add_them_up(served):
    proc, base, _kb, metrics = served
    assert len(_workers(proc.pid)) == 2, proc.output()
    for _ in range(40):
        assert _get(base, "/v1/search", params={"q": "パスワード"}).status_code == 200
    assert len(_served_by(metrics)) == 2  # the kernel gave connections to both
    text = _get(base, "/metrics", headers={"Authorization": f"Bearer {ADMIN}"}).text
    counted = re.search(r'kotae_http_requests_total\{kb="default",method="GET",'
                        r'route="/v1/search",status="2xx"\} (\S+)', text)
    assert counted and float(counted.group(1)) == 40, text[:2000]
    assert 'kotae_index_chunks{kb="default"}' in text


def test_a_clients_rate_limit_is_counted_once_across_workers(served):
    _proc, base, _kb, _metrics = served
    statuses = [_post(base, "/v1/deflect", json={"question": "パスワードを忘れました"},
                      headers={"Authorization": f"Bearer {LIMITED}"}).status_code
                for _ in range(BURST + 4)]
    assert statuses == [200] * BURST + [429] * 4


def test_a_login_holds_on_every_worker(served):
    _proc, base, _kb, _metrics = served
    login = _post(base, "/v1/session", json={"key": ADMIN})
    assert login.status_code == 200
    cookie = login.headers["set-cookie"].split(";")[0]
    roles = {_get(base, "/v1/session", headers={"Cookie": cookie}).json()["role"]
             for _ in range(20)}
    assert roles == {"admin"}


def test_a_worker_that_dies_is_replaced_and_the_other_goes_on(served):
    proc, base, _kb, _metrics = served
    before = _workers(proc.pid)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    statuses = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        statuses.append(_get(base, "/v1/search", params={"q": "請求書"}).status_code)
        now = _workers(proc.pid)
        if len(now) == 2 and victim not in now:
            break
    assert victim not in _workers(proc.pid) and len(_workers(proc.pid)) == 2, proc.output()
    assert set(statuses) == {200}


def test_a_new_snapshot_is_served_by_every_worker(served, tmp_path):
    proc, base, kb, metrics = served
    article = tmp_path / "articles" / "worker-switch.md"
    article.parent.mkdir()
    article.write_text("# ぽこぺん端末の設定\n\n"
                       "ぽこぺん端末は、設定画面の「接続」から登録できます。\n", encoding="utf-8")
    old = _get(base, "/healthz").json()["snapshot"]
    done = subprocess.run([sys.executable, "-m", "kotae.app", "ingest", str(article.parent),
                           "--kb", str(kb)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    new = _get(base, "/healthz").json()["snapshot"]
    assert new and new != old
    for _ in range(30):
        found = _get(base, "/v1/search", params={"q": "ぽこぺん端末"}).json()
        assert found["snapshot"] == new
        assert found["hits"][0]["title"] == "ぽこぺん端末の設定"
    assert len(_workers(proc.pid)) == 2 and len(_served_by(metrics)) >= 2
