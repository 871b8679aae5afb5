"""End to end: the real `kotae serve` process on a free port, queried over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(sample_settings):
    port = _free_port()
    env = {**os.environ, "KOTAE_API_KEYS": "agent:e2e-agent"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--kb", str(sample_settings.home), "--port",
         str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stdout.read().decode(errors="replace"))
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("server did not start within 60 s")
    yield base
    proc.terminate()
    proc.wait(timeout=20)


def test_search_over_http(server):
    r = httpx.get(f"{server}/v1/search", params={"q": "請求書をPDFでダウンロードしたい", "k": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["hits"] and "PDF" in body["hits"][0]["title"]
    assert all(h["visibility"] == "public" for h in body["hits"])


def test_agent_key_over_http(server):
    r = httpx.get(f"{server}/v1/search", params={"q": "返金対応手順", "k": 5},
                  headers={"Authorization": "Bearer e2e-agent"})
    assert any(h["visibility"] == "internal" for h in r.json()["hits"])


def test_page_and_static_files_are_served(server):
    page = httpx.get(f"{server}/")
    assert page.status_code == 200 and 'name="q"' in page.text
    for ref in ("/static/search.js", "/static/style.css"):
        assert httpx.get(f"{server}{ref}").status_code == 200
