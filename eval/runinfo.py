"""What a result depends on besides the code: version, commit, machine, time, command."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def kotae_version() -> str:
    try:
        return metadata.version("kotae")
    except metadata.PackageNotFoundError:
        return "unknown"


def git_commit(repo: Path = REPO) -> dict[str, Any]:
    """``{"commit": sha or None, "dirty": bool or None}`` of the working tree of ``repo``."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True,
                                  text=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError):
        pass
    return None


def machine_info() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cpus": os.cpu_count(), "cpu_model": _cpu_model(), "memory_gib": _memory_gib(),
        "platform": platform.platform(), "python": platform.python_version(),
        "load_average_1_5_15min": [round(x, 2) for x in load] if load else None,
    }


def run_info(embedder_id: str | None = None) -> dict[str, Any]:
    """The header every ``results.json`` starts with."""
    return {
        "kotae_version": kotae_version(),
        "git": git_commit(),
        "embedder": embedder_id,
        "machine": machine_info(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["kotae", *sys.argv[1:]]) if sys.argv else "",
    }
