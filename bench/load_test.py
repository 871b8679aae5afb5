"""Load test of the real server: mixed search/suggest/deflect at a constant rate, and a re-ingest
that publishes a new snapshot while the load runs.

Run from the repository root (needs ``pip install -e .[bench]`` for locust):

    python bench/load_test.py --rate 200 --duration 60

It copies the sample KB (``--source``) into ``--work-dir`` and ingests it (reused by later
runs: unchanged text is not embedded again), starts ``kotae serve --workers N`` on a free
loopback port with an agent key in ``KOTAE_API_KEYS`` and ``KOTAE_RATE_LIMIT_PER_MINUTE=0``
(all load comes from one client), runs locust headless (``bench/locustfile.py``), and at
``--ingest-at`` seconds edits one FAQ answer in the copy and runs ``kotae ingest``. Then it
checks that /healthz names a new snapshot and that search returns the edited answer, and
writes ``report.json`` and ``report.md`` (requests, failures, achieved rate, p50/p95/p99/max
per endpoint, the snapshot switch, CPU of the server's processes and of locust). Exit status
0 only when no request failed, the snapshot changed and the edited answer was served.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import subprocess
import sys
import threading
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import load_procs as procs
import load_report as figures
from load_queries import parse_mix

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--rate", type=float, default=200.0, help="Offered requests per second.")
    p.add_argument("--duration", type=int, default=60, help="Seconds of load.")
    p.add_argument("--mix", default="search=50,agent_search=20,deflect=20,suggest=10",
                   help="Endpoint weights: search (public), agent_search (agent key, kind and "
                   "visibility filters), deflect, suggest (agent key).")
    p.add_argument("--users", type=int, default=0,
                   help="Locust users (0: one per request per second of --rate).")
    p.add_argument("--exact-share", type=float, default=0.5,
                   help="Share of questions sent exactly as in the sample KB (the rest are "
                   "paraphrased variants).")
    p.add_argument("--ingest-at", type=float, default=None,
                   help="Seconds into the load to start the re-ingest (default: a third of "
                   "--duration).")
    p.add_argument("--faq-id", default="FAQ-001", help="The FAQ whose answer is edited.")
    p.add_argument("--source", type=Path, default=ROOT / "kb" / "sample_kb",
                   help="KB source folder to copy (must hold faq.csv with --faq-id).")
    p.add_argument("--workers", type=int, default=1,
                   help="Server processes (kotae serve --workers); CPU is summed over them.")
    p.add_argument("--work-dir", type=Path, default=ROOT / "var" / "load",
                   help="Where the source copy and its KB live (reused across runs).")
    p.add_argument("--out", type=Path, default=None,
                   help="Report folder (default: WORK_DIR/reports/<time>).")
    return p.parse_args(argv)


class Watcher(threading.Thread):
    """Every 0.25 s: the snapshot /healthz names, and CPU seconds of the server and locust."""

    def __init__(self, base: str, server_pid: int) -> None:
        super().__init__(daemon=True)
        self.base, self.server_pid, self.locust_pid = base, server_pid, 0
        self.stop, self.errors, self.polls = threading.Event(), 0, 0
        self.snapshots: dict[str, float] = {}  # snapshot -> when /healthz first named it
        self.cpu: list[tuple[float, float | None, float | None]] = []

    def run(self) -> None:
        while not self.stop.wait(0.25):
            status, body = procs.http_json(self.base + "/healthz", timeout=10)
            self.polls += 1
            if status != 200:
                self.errors += 1
            elif body.get("snapshot"):
                self.snapshots.setdefault(body["snapshot"], time.time())
            self.cpu.append((time.time(), figures.tree_cpu_seconds(self.server_pid),
                             figures.cpu_seconds(self.locust_pid) if self.locust_pid else None))


def edited_answer_served(base: str, question: str, faq_id: str, marker: str, snapshot: str) -> bool:
    status, body = procs.http_json(base + "/v1/search",
                                   params={"q": question, "kind": "faq", "k": "5"})
    if status != 200 or body.get("snapshot") != snapshot:
        return False
    marker = unicodedata.normalize("NFKC", marker)  # what ingest makes of it
    return any(h["url"].endswith("/" + faq_id) and marker in h["snippet"] for h in body["hits"])


def reingest(args: argparse.Namespace, base: str, watcher: Watcher, out: Path,
             before: str, result: dict[str, Any]) -> None:
    """Edit one FAQ answer, run `kotae ingest`, wait for the new snapshot and its answer."""
    marker = f"【改訂 {time.strftime('%Y%m%d-%H%M%S')}】"
    question = procs.edit_faq_answer(args.work_dir / "src" / "faq.csv", args.faq_id, marker)
    result.update(faq_id=args.faq_id, marker=marker, question=question, started=time.time())
    result["exit_code"], result["cpu_seconds"] = procs.run_and_measure(
        [*procs.kotae_command(), "ingest", str(args.work_dir / "src"), "--kb",
         str(args.work_dir / "kb")], out / "ingest.log")
    result["finished"] = time.time()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        new = [s for s in watcher.snapshots if s != before]
        if new:
            result["snapshot_after"], result["switched"] = new[0], watcher.snapshots[new[0]]
            break
        time.sleep(0.1)
    while "snapshot_after" in result and time.monotonic() < deadline + 30:
        if edited_answer_served(base, question, args.faq_id, marker, result["snapshot_after"]):
            result["edited_answer_served"], result["checked"] = True, time.time()
            return
        time.sleep(0.5)
    result["edited_answer_served"] = False


def prepare_kb(args: argparse.Namespace, out: Path) -> dict[str, Any]:
    src, kb = args.work_dir / "src", args.work_dir / "kb"
    reused = (kb / "CURRENT").exists()
    procs.copy_source(args.source, src)
    started = time.monotonic()
    code, cpu = procs.run_and_measure([*procs.kotae_command(), "ingest", str(src), "--kb",
                                       str(kb)], out / "ingest.log", timeout=3600)
    if code != 0:
        raise SystemExit(f"kotae ingest of {src} failed (exit {code}); see {out / 'ingest.log'}")
    return {"reused": reused, "prepare_seconds": round(time.monotonic() - started, 1),
            "prepare_cpu_seconds": cpu}


def warm_up(base: str, key: str) -> None:
    """One request per endpoint before the load: models and lazy parts load outside the run."""
    calls = [("/v1/search", {"q": "ウォームアップ"}, None, ""),
             ("/v1/search", {"q": "warm up", "kind": "ticket"}, None, key),
             ("/v1/deflect", None, {"question": "ウォームアップの質問です"}, ""),
             ("/v1/suggest", None, {"subject": "warm up", "body": "ウォームアップ"}, key)]
    for path, params, body, k in calls:
        status, _ = procs.http_json(base + path, params=params, body=body, key=k, timeout=120)
        if status != 200:
            raise SystemExit(f"warm-up {path} answered {status}")


def run_locust(args: argparse.Namespace, users: int, base: str, key: str, out: Path,
               watcher: Watcher, on_start: Callable[[], None]) -> dict[str, Any]:
    """Locust to its end; ``on_start`` is called when its load starts (it writes queries.json,
    the first users are spawned right after)."""
    cmd = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
           "--headless", "--only-summary", "--loglevel", "WARNING", "-u", str(users),
           "-r", str(max(1, users // 2)), "-t", f"{args.duration}s", "--stop-timeout", "10",
           "--host", base, "--csv", str(out / "locust"), "--kotae-rate", str(args.rate),
           "--kotae-mix", args.mix, "--kotae-exact-share", str(args.exact_share),
           "--kotae-query-stats", str(out / "queries.json")]
    (out / "queries.json").unlink(missing_ok=True)
    with open(out / "locust.log", "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                env={**os.environ, "KOTAE_LOAD_AGENT_KEY": key})
    watcher.locust_pid = proc.pid
    started = time.time()
    while not (out / "queries.json").exists() and proc.poll() is None:
        time.sleep(0.05)
    on_start()
    code, cpu = procs.wait_measured(proc, timeout=args.duration + 120)
    return {"exit_code": code, "cpu_seconds": cpu, "started": started, "ended": time.time()}


def git_version() -> str:
    def git(*a: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), *a], capture_output=True, text=True,
                              check=False).stdout.strip()
    return git("rev-parse", "--short", "HEAD") + (" + uncommitted changes"
                                                  if git("status", "--porcelain") else "")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    parse_mix(args.mix)  # a bad mix fails here, not inside locust
    args.work_dir = args.work_dir.resolve()
    users = args.users or max(1, math.ceil(args.rate))
    if args.ingest_at is None:
        args.ingest_at = round(args.duration / 3, 1)
    out = (args.out or args.work_dir / "reports" / time.strftime("%Y%m%d-%H%M%S")).resolve()
    out.mkdir(parents=True, exist_ok=True)
    load_before, kb = [round(x, 2) for x in os.getloadavg()], prepare_kb(args, out)
    key = secrets.token_urlsafe(24)
    reingested: dict[str, Any] = {}
    with procs.serve(args.work_dir / "kb", "agent:" + key, out / "server.log",
                     workers=args.workers) as server:
        warm_up(server.base, key)
        health = procs.http_json(server.base + "/healthz")[1]
        before = health["snapshot"]
        watcher = Watcher(server.base, server.pid)
        watcher.start()
        timer = threading.Timer(args.ingest_at, reingest,
                                (args, server.base, watcher, out, before, reingested))
        cpu0 = figures.tree_cpu_seconds(server.pid) or 0.0
        locust = run_locust(args, users, server.base, key, out, watcher, timer.start)
        server_cpu = (figures.tree_cpu_seconds(server.pid) or 0.0) - cpu0
        timer.cancel()
        timer.join(timeout=300)
        watcher.stop.set()
        watcher.join()
        if reingested.get("edited_answer_served"):  # and still after the load
            reingested["still_served_after_load"] = edited_answer_served(
                server.base, reingested["question"], args.faq_id, reingested["marker"],
                reingested["snapshot_after"])
    report = build_report(args, users, out, kb, health, load_before, locust, server_cpu,
                          reingested, watcher, before)
    json_path, md_path = figures.write_report(report, out)
    print(md_path.read_text(encoding="utf-8"))
    print(f"report: {json_path}")
    return 0 if report["passed"] else 1


def build_report(args: argparse.Namespace, users: int, out: Path, kb: dict[str, Any],
                 health: dict[str, Any], load_before: list[float], locust: dict[str, Any],
                 server_cpu: float, ing: dict[str, Any], watcher: Watcher,
                 before: str) -> dict[str, Any]:
    stats = figures.read_stats(out / "locust_stats.csv")
    overall = stats.pop("Aggregated")
    order = ["search", "agent_search", "deflect", "suggest"]
    stats = dict(sorted(stats.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 9))
    queries_path = out / "queries.json"
    queries = json.loads(queries_path.read_text()) if queries_path.exists() else {}
    t0 = queries.get("test_start") or locust["started"]
    wall = locust["ended"] - locust["started"]

    def rel(t: float | None) -> float | None:
        return None if t is None else round(t - t0, 1)

    seen = queries.get("snapshots", {})
    after = ing.get("snapshot_after")
    reingest = {
        "faq_id": args.faq_id, "started_s": rel(ing.get("started")),
        "finished_s": rel(ing.get("finished")), "exit_code": ing.get("exit_code"),
        "cpu_seconds": ing.get("cpu_seconds"), "snapshot_before": before,
        "snapshot_after": after, "switched_s": rel(ing.get("switched")),
        "first_served_s": rel(seen.get(after, {}).get("first_seen")),
        "last_old_served_s": rel(seen.get(before, {}).get("last_seen")),
        "edited_answer_served": ing.get("edited_answer_served", False),
        "still_served_after_load": ing.get("still_served_after_load", False),
        "checked_s": rel(ing.get("checked")),
    }
    checks = {
        "no failed request": overall["failures"] == 0 and overall["requests"] > 0,
        "no failed /healthz poll": watcher.errors == 0,
        "re-ingest exited 0": ing.get("exit_code") == 0,
        "snapshot changed": bool(after) and after != before,
        "switch during the load": bool(ing.get("switched"))
        and ing["switched"] < locust["ended"],
        "edited answer served": reingest["edited_answer_served"]
        and reingest["still_served_after_load"],
    }
    return {
        "command": "python bench/load_test.py " + " ".join(sys.argv[1:]),
        "started_at": time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(locust["started"])),
        "git": git_version(),
        "machine": {"cpus": os.cpu_count(), "loadavg_before": load_before,
                    "loadavg_after": [round(x, 2) for x in os.getloadavg()]},
        "settings": {"rate": args.rate, "duration": args.duration, "users": users,
                     "mix": args.mix, "exact_share": args.exact_share, "ingest_at": args.ingest_at,
                     "server_processes": args.workers, "rate_limit_per_minute": 0},
        "kb": {**kb, "documents": health.get("documents"), "chunks": health.get("chunks")},
        "results": {"requests": overall["requests"], "failures": overall["failures"],
                    "achieved_rate": round(overall["requests"] / args.duration, 1),
                    "steady": figures.steady_rate(out / "locust_stats_history.csv", users),
                    "overall": overall, "endpoints": stats,
                    "failure_kinds": figures.read_failures(out / "locust_failures.csv"),
                    "locust_exit_code": locust["exit_code"]},
        "queries": queries, "reingest": reingest,
        "cpu": {"server_seconds": round(server_cpu, 1),
                "server_cores": round(server_cpu / wall, 2),
                "locust_seconds": locust["cpu_seconds"],
                "locust_cores": round(locust["cpu_seconds"] / wall, 2),
                "healthz_polls": watcher.polls},
        "checks": checks, "passed": all(checks.values()),
    }


if __name__ == "__main__":
    sys.exit(main())
