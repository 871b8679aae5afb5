"""Fixtures for the app tests: a real `kotae serve` process on the shared sample KB."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest


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
