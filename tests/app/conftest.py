"""Fixtures for the app tests: a real `kotae serve` process on the shared sample KB."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
import pytest

# Debian's Chromium (a test tool's own browser download cannot work here); without the
# background-networking flags it keeps trying to reach hosts this machine cannot reach.
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server_process(kb_home: Path, api_keys: str, timeout: float = 90,
                   prefix: Sequence[str] = (), env: Mapping[str, str] | None = None,
                   args: Sequence[str] = ()) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`kotae serve` on a free loopback port for ``kb_home``, started through ``prefix`` (a
    command such as ``setpriv ...``) with ``env`` added to the environment and ``args`` added
    to its options; yields the process and its base URL."""
    port = _free_port()
    env = {**os.environ, **(env or {}), "KOTAE_API_KEYS": api_keys}
    # The server's output goes to a file: a pipe nobody reads fills up (one access line per
    # request) and then blocks the server.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed when the server stops
    proc = subprocess.Popen(
        [*prefix, sys.executable, "-m", "kotae.app", "serve", "--kb", str(kb_home),
         "--port", str(port), *args],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    proc.output = lambda: _printed(log)  # type: ignore[attr-defined]  # what it printed so far
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(log.read().decode(errors="replace"))
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError(f"server did not start within {timeout:.0f} s")
    try:
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)  # the server's graceful shutdown is 20 s
            except subprocess.TimeoutExpired:
                proc.kill()  # never leave a server behind
                proc.wait()
        log.close()


def _printed(log: IO[bytes]) -> str:
    log.flush()
    log.seek(0)
    return log.read().decode(errors="replace")


@contextmanager
def running_server(kb_home: Path, api_keys: str, timeout: float = 90) -> Iterator[str]:
    """`kotae serve` on a free loopback port for ``kb_home``; yields its base URL."""
    with server_process(kb_home, api_keys, timeout) as (_proc, base):
        yield base


@pytest.fixture(scope="module")
def server(sample_settings):
    with running_server(sample_settings.home, "agent:e2e-agent") as base:
        yield base


@pytest.fixture(scope="session")
def serve_kb():
    """The ``running_server`` context manager, for modules that serve a KB of their own."""
    return running_server


@pytest.fixture(scope="session")
def free_port():
    """``free_port()``: a loopback port nothing listens on (right after the call)."""
    return _free_port


@pytest.fixture(scope="session")
def serve_process():
    """The ``server_process`` context manager, for tests that signal the server."""
    return server_process


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium driven by Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()
