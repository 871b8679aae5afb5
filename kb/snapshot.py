"""Index snapshots and their atomic publication.

A KB directory holds ``snapshots/<name>/`` folders and a ``CURRENT`` file naming the one that
serves. A new snapshot is written into a hidden temporary folder, renamed into place, and only
then named in ``CURRENT`` (via ``os.replace``), so readers never see half an index and a failed
build leaves the previous snapshot serving.

Example:
    >>> snaps = SnapshotDir("var/kb")
    >>> with snaps.publish() as folder:
    ...     (folder / "manifest.json").write_text("{}")
    >>> snaps.current()
    PosixPath('var/kb/snapshots/20261124T101500123456-1a2b3c')
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from kotae.kb.errors import SnapshotNotFound


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SnapshotDir:
    """The snapshots of one KB directory."""

    def __init__(self, kb_dir: str | Path, keep: int = 3) -> None:
        if keep < 1:
            raise ValueError(f"keep must be at least 1, got {keep}")
        self.kb_dir = Path(kb_dir)
        self.root = self.kb_dir / "snapshots"
        self.pointer = self.kb_dir / "CURRENT"
        self.keep = keep

    def current(self) -> Path | None:
        """The folder of the serving snapshot, or None if nothing was published yet."""
        try:
            name = self.pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return self.root / name if name else None

    def require_current(self) -> Path:
        folder = self.current()
        if folder is None:
            raise SnapshotNotFound(str(self.kb_dir))
        return folder

    def version(self) -> str | None:
        """The name of the serving snapshot (cheap: one small file read)."""
        folder = self.current()
        return folder.name if folder else None

    @contextmanager
    def publish(self) -> Iterator[Path]:
        """Yield an empty folder; when the block succeeds it becomes the serving snapshot."""
        self.root.mkdir(parents=True, exist_ok=True)
        # Microseconds, so that names sort in publication order (retention relies on it).
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{secrets.token_hex(3)}"
        tmp = self.root / f".tmp-{name}"
        tmp.mkdir()
        try:
            yield tmp
            for f in tmp.rglob("*"):
                if f.is_file():
                    with open(f, "rb") as fh:
                        os.fsync(fh.fileno())
            final = self.root / name
            os.rename(tmp, final)
            _fsync_dir(self.root)
            pointer_tmp = self.kb_dir / f".CURRENT.{name}"
            pointer_tmp.write_text(name + "\n", encoding="utf-8")
            os.replace(pointer_tmp, self.pointer)
            _fsync_dir(self.kb_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._remove_old()

    def _remove_old(self) -> None:
        current = self.version()
        done = sorted((p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")),
                      key=lambda p: p.name, reverse=True)
        for old in done[self.keep:]:
            if old.name != current:
                shutil.rmtree(old, ignore_errors=True)
        for tmp in self.root.glob(".tmp-*"):  # left by a killed build
            shutil.rmtree(tmp, ignore_errors=True)
