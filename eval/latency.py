"""The latency eval: the real ``kotae serve`` over HTTP vs a LangChain FAISS store in-process,
and the floor under both: the same queries through the embedder alone.

kotae is measured end to end: a ``kotae serve`` subprocess (``workers`` processes) on a free
loopback port, queried with ``GET /v1/search?q=…&k=10`` (or ``POST /v1/deflect``, ``POST
/v1/suggest``: ``ENDPOINTS``) from ``concurrency`` threads. After the
server has stopped (so they never share the cores), the same queries run in this process
through the embedder alone (``embed-only-floor``: what no search can go below) and through
LangChain's ``FAISS.similarity_search`` (no HTTP in between, which favours it).

Example:
    >>> result = run_latency(Path("var/kb"), queries, n=500, concurrency=4)
    >>> result.metrics["ratio"]["qps"]
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kotae.eval.errors import ServerError
from kotae.eval.load import LoadResult, fire, summarise
from kotae.retrieval.protocols import Embedder

Progress = Callable[[str, int, int], None]
KOTAE, BASELINE, FLOOR = "kotae-http", "langchain-faiss-inprocess", "embed-only-floor"
SYSTEMS = (KOTAE, FLOOR, BASELINE)
# What kotae is timed on: ``GET /v1/search?q=…&k=…``, ``POST /v1/deflect`` with the query as the
# customer's question, or ``POST /v1/suggest`` with it as a ticket's body.
ENDPOINTS = ("search", "deflect", "suggest")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def kotae_server(kb_dir: Path, api_key: str, startup_timeout: float = 180.0,
                 workers: int = 1) -> Iterator[str]:
    """Run ``kotae serve --kb DIR --workers N`` on a free port with one agent key (so it
    searches all chunks, as the baseline does) and no rate limit; yields its base URL and stops
    it afterwards."""
    import httpx

    port = free_port()
    fd, log_path = tempfile.mkstemp(prefix="kotae-serve-", suffix=".log")
    command = [sys.executable, "-m", "kotae.app", "serve", "--kb", str(kb_dir),
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    # No rate limit: it is the server's speed that is measured, not its limits.
    proc = subprocess.Popen(command, stdout=fd, stderr=subprocess.STDOUT,
                            env={**os.environ, "KOTAE_API_KEYS": f"agent:{api_key}",
                                 "KOTAE_RATE_LIMIT_PER_MINUTE": "0"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if proc.poll() is not None:
                raise ServerError(f"`{' '.join(command[2:])}` exited with {proc.returncode}: "
                                  f"{_tail(log_path)}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise ServerError(f"kotae serve did not answer /healthz within "
                                  f"{startup_timeout:.0f} s: {_tail(log_path)}")
            time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.close(fd)
        os.unlink(log_path)


def _tail(path: str, lines: int = 8) -> str:
    text = Path(path).read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return " | ".join(text[-lines:]) or "(no output)"


@dataclass
class LatencyEval:
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def measure_kotae(kb_dir: Path, queries: Sequence[str], n: int, concurrency: int, k: int = 10,
                  warmup: Sequence[str] = (), on_progress: Progress | None = None,
                  workers: int = 1, endpoint: str = "search") -> LoadResult:
    """Latency of ``endpoint`` (``ENDPOINTS``) on a freshly started server, as an agent."""
    import httpx

    if endpoint not in ENDPOINTS:
        raise ValueError(f"unknown endpoint {endpoint!r}; allowed: {', '.join(ENDPOINTS)}")
    key = secrets.token_hex(16)
    with kotae_server(kb_dir, key, workers=workers) as url, httpx.Client(
            base_url=url, timeout=30, headers={"Authorization": f"Bearer {key}"},
            limits=httpx.Limits(max_connections=concurrency)) as client:
        def call(q: str) -> None:
            if endpoint == "search":
                response = client.get("/v1/search", params={"q": q, "k": k})
            elif endpoint == "deflect":
                response = client.post("/v1/deflect", json={"question": q})
            else:
                response = client.post("/v1/suggest", json={"subject": "", "body": q})
            response.raise_for_status()

        for q in warmup:
            call(q)
        return fire(call, queries, n, concurrency,
                    (lambda d, t: on_progress(KOTAE, d, t)) if on_progress else None)


def measure_baseline(kb_dir: Path, embedder: Embedder, queries: Sequence[str], n: int,
                     concurrency: int, k: int = 10, warmup: Sequence[str] = (),
                     on_progress: Progress | None = None) -> LoadResult:
    """Latency of LangChain ``FAISS.similarity_search`` in this process."""
    from kotae.eval.langchain_baseline import build_baseline

    store = build_baseline(kb_dir, embedder)

    def call(q: str) -> None:
        store.similarity_search(q, k=k)

    for q in warmup:
        call(q)
    return fire(call, queries, n, concurrency,
                (lambda d, t: on_progress(BASELINE, d, t)) if on_progress else None)


def measure_floor(embedder: Embedder, queries: Sequence[str], n: int, concurrency: int,
                  warmup: Sequence[str] = (), on_progress: Progress | None = None) -> LoadResult:
    """Latency of embedding each query, and nothing else, in this process."""
    for q in warmup:
        embedder.embed_query(q)
    return fire(embedder.embed_query, queries, n, concurrency,
                (lambda d, t: on_progress(FLOOR, d, t)) if on_progress else None)


def run_latency(kb_dir: Path, embedder: Embedder, queries: Sequence[str], n: int,
                concurrency: int, k: int = 10, warmup: int = 20,
                on_progress: Progress | None = None, workers: int = 1,
                endpoint: str = "search") -> LatencyEval:
    """The three systems on the same queries, one after the other; warm-up queries are taken
    from the end of the list."""
    if len(queries) < 2:
        raise ValueError("need at least 2 distinct queries")
    spare = min(warmup, len(queries) // 4)
    measured, warm = list(queries[:len(queries) - spare]), list(queries[len(queries) - spare:])
    out = LatencyEval()
    runs = {KOTAE: measure_kotae(kb_dir, measured, n, concurrency, k, warm, on_progress,
                                 workers, endpoint),
            FLOOR: measure_floor(embedder, measured, n, concurrency, warm, on_progress),
            BASELINE: measure_baseline(kb_dir, embedder, measured, n, concurrency, k, warm,
                                       on_progress)}
    for name, result in runs.items():
        out.metrics[name] = summarise(result)
        out.latencies_ms[name] = result.latencies_ms
        if result.first_error:
            out.errors[name] = result.first_error
    out.metrics["ratio"] = _ratio(out.metrics[KOTAE], out.metrics[BASELINE])
    out.metrics["ratio_to_floor"] = _ratio(out.metrics[KOTAE], out.metrics[FLOOR])
    return out


def _ratio(ours: dict[str, float], theirs: dict[str, float]) -> dict[str, float]:
    """kotae's queries/s, p50 and p99 divided by another system's."""
    return {"qps": ours["qps"] / theirs["qps"] if theirs["qps"] else float("nan"),
            "p50": ours["p50_ms"] / theirs["p50_ms"] if theirs["p50_ms"] else float("nan"),
            "p99": ours["p99_ms"] / theirs["p99_ms"] if theirs["p99_ms"] else float("nan")}
