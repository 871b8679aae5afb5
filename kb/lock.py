"""One writer per KB at a time: ingests and publications take the KB's writer lock.

An advisory ``flock`` on ``.ingest.lock`` in the KB directory: a second writer (another
``kotae ingest``, an upload, an accepted FAQ draft) gets ``KBBusy`` at once instead of waiting,
and a writer that dies releases it with its process. Readers never take it.

Example:
    >>> with kb_writer(Path("var/kb")):
    ...     ...  # load, build, publish
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kotae.kb.errors import KBBusy

LOCK_FILE = ".ingest.lock"


@contextmanager
def kb_writer(kb_dir: Path) -> Iterator[None]:
    """Hold the KB's writer lock for the block; ``KBBusy`` when another writer holds it."""
    kb_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(kb_dir / LOCK_FILE, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise KBBusy(kb_dir) from None
        yield
    finally:
        os.close(fd)
