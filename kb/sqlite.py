"""SQLite specifics of the store: its pragmas, opening a KB this process may not write, and
SQLite's lock and read-only errors as the store's own (``StoreBusy``, ``StoreReadOnly``).

A write waits up to ``BUSY_TIMEOUT_S`` for another connection's write lock (an ingest, say),
then fails with ``StoreBusy``. A database whose file or directory this process cannot write
is opened read-only: reads go on, writes fail with ``StoreReadOnly``.

Example:
    >>> engine = create_engine(read_only_url(db), connect_args=connect_args(url))
    >>> configure(engine, where=str(db), read_only=True)
"""

from __future__ import annotations

import math
import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import event, make_url
from sqlalchemy.engine import Engine, ExceptionContext

from kotae.kb.errors import StoreBusy, StoreReadOnly

BUSY_TIMEOUT_S = 5.0


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for an in-memory or a non-SQLite database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def is_read_only(db: Path) -> bool:
    """True when ``db`` exists but this process may not write it or its directory (where
    SQLite keeps the ``-wal`` and ``-shm`` files a write needs)."""
    return db.exists() and not (os.access(db, os.W_OK) and os.access(db.parent, os.W_OK))


def read_only_url(db: Path) -> str:
    """A URL that opens ``db`` for reading only.

    A WAL database is read through its ``-shm`` file; in a directory this process cannot
    write, SQLite cannot create one. Without a ``-wal`` file no one is writing the database,
    so it is then opened as immutable (no shared memory, no locks).
    """
    immutable = not os.access(db.parent, os.W_OK) and not Path(f"{db}-wal").exists()
    return f"sqlite:///file:{quote(str(db))}?mode=ro{'&immutable=1' if immutable else ''}&uri=true"


def connect_args(url: str) -> dict[str, Any]:
    """For SQLite, the driver's busy timeout: how long a statement waits for another
    connection's write lock; nothing for other databases."""
    return {"timeout": BUSY_TIMEOUT_S} if url.startswith("sqlite") else {}


def configure(engine: Engine, where: str, read_only: bool = False) -> None:
    """Pragmas on every new connection; lock and read-only errors raised as the store's."""

    def pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        if not read_only:  # setting the journal mode is a write
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    def translate(context: ExceptionContext) -> BaseException | None:
        code = getattr(context.original_exception, "sqlite_errorcode", None)
        if code is None:
            return None
        primary = code & 0xFF  # extended codes (e.g. SQLITE_READONLY_DIRECTORY) keep it
        if primary == sqlite3.SQLITE_READONLY:
            return StoreReadOnly(where)
        if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return StoreBusy(where, retry_after=math.ceil(BUSY_TIMEOUT_S))
        return None

    event.listen(engine, "connect", pragmas)
    event.listen(engine, "handle_error", translate)
