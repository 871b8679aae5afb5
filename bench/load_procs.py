"""The processes of the load test: the KB copy and its ingest, `kotae serve`, small HTTP calls."""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def kotae_command() -> list[str]:
    """The `kotae` script of this interpreter's environment (``python -m kotae.app`` without it)."""
    script = Path(sys.executable).with_name("kotae")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kotae.app"]


def http_json(url: str, *, params: dict[str, str] | None = None, body: Any = None,
              key: str = "", timeout: float = 30) -> tuple[int, Any]:
    """(status, parsed JSON body or None); 0 when the server cannot be reached."""
    if params:
        url += "?" + urllib.parse.urlencode(params)
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("Authorization", "Bearer " + key)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except (OSError, ValueError):
        return 0, None


def run_and_measure(cmd: list[str], log: Path, env: dict[str, str] | None = None,
                    timeout: float = 900) -> tuple[int, float]:
    """Run ``cmd`` to the end: (exit code, CPU seconds it used, from the kernel's rusage)."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, **(env or {})})
    return wait_measured(proc, timeout)


def wait_measured(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int, float]:
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, round(usage.ru_utime + usage.ru_stime, 2)
        if time.monotonic() > deadline:
            proc.kill()
        time.sleep(0.1)


def copy_source(source: Path, dest: Path) -> None:
    """``source`` copied over ``dest`` (a previous run's edits are undone)."""
    shutil.copytree(source, dest, dirs_exist_ok=True)


def edit_faq_answer(faq_csv: Path, faq_id: str, marker: str) -> str:
    """Put ``marker`` at the start of the answer of ``faq_id``; returns its question."""
    with open(faq_csv, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames or [], list(reader)
    row = next((r for r in rows if r["id"] == faq_id), None)
    if row is None:
        raise SystemExit(f"no FAQ {faq_id} in {faq_csv}")
    row["answer"] = marker + row["answer"]
    with open(faq_csv, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return row["question"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    base: str

    @property
    def pid(self) -> int:
        return self.proc.pid


@contextmanager
def serve(kb: Path, api_keys: str, log: Path, timeout: float = 180, workers: int = 1
          ) -> Iterator[Server]:
    """`kotae serve --workers N` for ``kb`` on a free loopback port, without the per-client rate
    limit."""
    port = free_port()
    env = {**os.environ, "KOTAE_API_KEYS": api_keys, "KOTAE_RATE_LIMIT_PER_MINUTE": "0"}
    with open(log, "ab") as out:
        proc = subprocess.Popen([*kotae_command(), "serve", "--kb", str(kb), "--host",
                                 "127.0.0.1", "--port", str(port), "--workers", str(workers)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(proc, f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + timeout
        while http_json(server.base + "/healthz", timeout=2)[0] != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"kotae serve did not start; see {log}")
            time.sleep(0.3)
        yield server
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
