"""The quarantine: files (and rows) an ingest skipped, with the reason, kept in the KB directory.

Each run updates it: what failed now is added (or its reason refreshed), what loaded cleanly now
is released, and so is a file that no longer exists; files the run did not look at keep their
entries. ``kotae ingest --report`` shows
it. The file is replaced atomically, so a killed run leaves the previous list.

Example:
    >>> q = Quarantine("var/kb")
    >>> q.update(problems=[Problem("a.pdf", "no extractable text")], loaded=["b.md"])
    >>> [e.path for e in q.entries()]
    ['a.pdf']
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from kotae.ingest.errors import Problem

FILE_NAME = "quarantine.json"


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    path: str
    reason: str
    line: int | None
    since: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason} (since {self.since})"


class Quarantine:
    """The quarantine list of one KB directory."""

    def __init__(self, kb_dir: str | Path) -> None:
        self.path = Path(kb_dir) / FILE_NAME

    def entries(self) -> list[QuarantineEntry]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError):  # unreadable list: start again rather than fail the run
            return []
        return [QuarantineEntry(**item) for item in data]

    def update(self, problems: Iterable[Problem], loaded: Iterable[str | Path]) -> None:
        """Add this run's problems; release the files that loaded without any problem."""
        problems = list(problems)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        failed = {p.path for p in problems}
        released = {str(p) for p in loaded} | failed  # a failed file's old rows are replaced
        old = {(e.path, e.line): e for e in self.entries()
               if e.path not in released and Path(e.path).exists()}  # deleted files: released
        previous = {(e.path, e.line): e.since for e in self.entries()}
        for p in problems:
            key = (p.path, p.line)
            old[key] = QuarantineEntry(p.path, p.message, p.line, previous.get(key, now))
        self._write(sorted(old.values(), key=lambda e: (e.path, e.line or 0)))

    def _write(self, entries: list[QuarantineEntry]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{FILE_NAME}.{os.getpid()}")
        tmp.write_text(json.dumps([asdict(e) for e in entries], ensure_ascii=False, indent=1),
                       encoding="utf-8")
        os.replace(tmp, self.path)
