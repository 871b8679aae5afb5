"""The load test's figures: locust's stats CSV, CPU of a process from /proc, the report files."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PERCENTILES = ("50%", "95%", "99%", "100%")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a running process (all its threads), or None once gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def tree_cpu_seconds(pid: int) -> float | None:
    """CPU seconds of ``pid`` and of every process below it (`kotae serve --workers N`: the
    supervisor and its workers), or None once ``pid`` is gone. A worker that exited is not
    counted (its time is its parent's only once reaped)."""
    own = cpu_seconds(pid)
    if own is None:
        return None
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    total, todo = own, list(children.get(pid, []))
    while todo:
        child = todo.pop()
        total += cpu_seconds(child) or 0.0
        todo.extend(children.get(child, []))
    return total


def read_stats(path: Path) -> dict[str, dict[str, Any]]:
    """Locust's ``*_stats.csv`` -> per request name (and ``Aggregated``): counts and ms."""
    out: dict[str, dict[str, Any]] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rate": round(float(row["Requests/s"]), 1),
                "mean_ms": round(float(row["Average Response Time"]), 1),
                **{f"p{p.rstrip('%')}_ms": _ms(row[p]) for p in PERCENTILES[:-1]},
                "max_ms": round(float(row["Max Response Time"]), 1),
            }
    return out


def _steady(steady: dict[str, float] | None) -> str:
    if not steady:
        return ""
    return f" ({steady['rate']} req/s once all users ran, {steady['seconds']} s)"


def _ms(value: str) -> int | None:
    return None if value in ("", "N/A") else int(float(value))


def read_failures(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        return [dict(row) for row in csv.DictReader(fh)]


def steady_rate(history: Path, users: int) -> dict[str, float] | None:
    """Requests per second once every user runs (locust's stats history, aggregated rows)."""
    if not history.exists():
        return None
    with open(history, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["Name"] == "Aggregated"
                and int(r["User Count"]) >= users]
    if len(rows) < 2:
        return None
    t0, t1 = int(rows[0]["Timestamp"]), int(rows[-1]["Timestamp"])
    n0, n1 = int(rows[0]["Total Request Count"]), int(rows[-1]["Total Request Count"])
    return {"seconds": t1 - t0, "requests": n1 - n0,
            "rate": round((n1 - n0) / (t1 - t0), 1) if t1 > t0 else 0.0}


def write_report(report: dict[str, Any], out: Path) -> tuple[Path, Path]:
    json_path, md_path = out / "report.json", out / "report.md"
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    md_path.write_text(markdown(report), "utf-8")
    return json_path, md_path


def markdown(r: dict[str, Any]) -> str:
    s, res, ing, cpu = r["settings"], r["results"], r["reingest"], r["cpu"]
    lines = [
        "# kotae load test", "",
        f"`{r['command']}`", "",
        f"- {r['started_at']}, code {r['git']}, {r['machine']['cpus']} CPUs, load average "
        f"{r['machine']['loadavg_before']} before, {r['machine']['loadavg_after']} after",
        f"- offered {s['rate']} req/s for {s['duration']} s ({s['users']} users, mix "
        f"`{s['mix']}`, {s['exact_share']:.0%} of questions as written); `kotae serve "
        f"--workers {s.get('server_processes', 1)}`, KOTAE_RATE_LIMIT_PER_MINUTE=0",
        f"- **{res['requests']} requests, {res['failures']} failed; achieved "
        f"{res['achieved_rate']} req/s** over the {s['duration']} s{_steady(res['steady'])}",
        f"- texts already sent earlier in the run (server cache hits at most): "
        f"{r['queries'].get('repeat_share', 0):.0%}",
        "", "| endpoint | requests | failed | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, e in [*res["endpoints"].items(), ("all", res["overall"])]:
        lines.append(f"| {name} | {e['requests']} | {e['failures']} | {e['rate']} | "
                     f"{e['p50_ms']} | {e['p95_ms']} | {e['p99_ms']} | {e['max_ms']:.0f} |")
    lines += [
        "", "## Re-ingest under load", "",
        f"- edited {ing['faq_id']}; `kotae ingest` from {ing['started_s']} s to "
        f"{ing['finished_s']} s (exit {ing['exit_code']}, {ing['cpu_seconds']} CPU s)",
        f"- snapshot {ing['snapshot_before']} -> {ing['snapshot_after']}; /healthz saw it at "
        f"{ing['switched_s']} s; first response from it at {ing['first_served_s']} s, last "
        f"from the old one at {ing['last_old_served_s']} s",
        f"- edited answer returned by search: {ing['edited_answer_served']} (at "
        f"{ing['checked_s']} s)",
        "", "## CPU", "",
        f"- server: {cpu['server_seconds']} CPU s = {cpu['server_cores']} cores on average",
        f"- load generator (locust): {cpu['locust_seconds']} CPU s = {cpu['locust_cores']} cores",
        "", "## Checks", "",
        *[f"- {name}: {'ok' if ok else 'FAILED'}" for name, ok in r["checks"].items()], "",
    ]
    return "\n".join(lines)
