"""Firing queries at a search function with bounded concurrency, and latency statistics.

Example:
    >>> result = fire(lambda q: client.get("/v1/search", params={"q": q}), queries, n=500,
    ...               concurrency=4)
    >>> summarise(result)["p99_ms"]
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from kotae.kb import KBStore

_SENTENCE = re.compile(r"(?<=[。！？!?])|\n")
_LIST_MARK = re.compile(r"^[#>*\-\d.)\s]+")  # Markdown headings, bullets, numbering


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0
    first_error: str = ""


def fire(call: Callable[[str], object], queries: Sequence[str], n: int, concurrency: int,
         on_progress: Callable[[int, int], None] | None = None) -> LoadResult:
    """Send ``n`` queries (cycling through ``queries``) from ``concurrency`` threads.

    Each call's wall time is one latency; an exception counts as an error (not a latency).
    """
    if n < 1 or concurrency < 1 or not queries:
        raise ValueError(f"need n ≥ 1, concurrency ≥ 1 and queries (got {n}, {concurrency}, "
                         f"{len(queries)} queries)")
    result = LoadResult()
    lock = threading.Lock()
    done = [0]

    def one(i: int) -> None:
        start = time.perf_counter()
        try:
            call(queries[i % len(queries)])
        except Exception as exc:  # counted and reported, the load goes on
            with lock:
                result.errors += 1
                result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"[:300]
        else:
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                result.latencies_ms.append(elapsed)
        with lock:
            done[0] += 1
            if on_progress and (done[0] % 10 == 0 or done[0] == n):
                on_progress(done[0], n)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(n)))
    result.seconds = time.perf_counter() - start
    return result


def summarise(result: LoadResult) -> dict[str, float]:
    """p50/p95/p99/mean in ms, queries per second (successful ones) and the error count."""
    ms = np.asarray(result.latencies_ms, dtype=np.float64)
    if not len(ms):
        nan = float("nan")
        return {"p50_ms": nan, "p95_ms": nan, "p99_ms": nan, "mean_ms": nan, "qps": 0.0,
                "errors": result.errors}
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {"p50_ms": float(p50), "p95_ms": float(p95), "p99_ms": float(p99),
            "mean_ms": float(ms.mean()), "qps": len(ms) / result.seconds if result.seconds else 0.0,
            "errors": result.errors}


def queries_from_kb(kb_dir: str, limit: int = 5000, min_chars: int = 8,
                    max_chars: int = 80) -> list[str]:
    """Distinct sentences from the KB's chunks, to use as queries (deterministic order)."""
    seen: dict[str, None] = {}
    for chunk, doc in KBStore.for_dir(kb_dir).iter_chunks_with_documents():
        for text in [doc.title, *_SENTENCE.split(chunk.text)]:
            text = _LIST_MARK.sub("", text.strip()).strip()
            if min_chars <= len(text) <= max_chars:
                seen.setdefault(text, None)
                if len(seen) >= limit:
                    return list(seen)
    return list(seen)
