"""Errors of the knowledge base: each says what went wrong and what to do."""


class KBError(Exception):
    """Base class for knowledge-base errors."""


class SnapshotNotFound(KBError):
    """The KB directory has no published snapshot yet."""

    def __init__(self, kb_dir: str) -> None:
        super().__init__(
            f"no published index in {kb_dir}: run `kotae ingest PATH --kb {kb_dir}` first"
        )


class SnapshotCorrupt(KBError):
    """A snapshot file is missing or unreadable."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"index file {path} is unreadable ({reason}); re-run `kotae ingest`")
        self.path = path


class StoreUnavailable(KBError):
    """The store cannot take a write now; reads go on. ``retry_after``: seconds worth waiting
    before trying again, or None when waiting will not help."""

    retry_after: int | None = None


class StoreReadOnly(StoreUnavailable):
    """The database (or its directory) cannot be written by this process."""

    def __init__(self, where: str) -> None:
        super().__init__(
            f"the knowledge base {where} is read-only: nothing can be recorded (searches still "
            "work); make it writable for the server's user, then restart the server")
        self.where = where


class StoreBusy(StoreUnavailable):
    """Another connection held the write lock for longer than the store waits (busy timeout)."""

    def __init__(self, where: str, retry_after: int) -> None:
        super().__init__(
            f"the knowledge base {where} is locked by another writer (an ingest?); try again "
            f"in {retry_after} s")
        self.where = where
        self.retry_after = retry_after


class KBBusy(KBError):
    """Another writer (an ingest, an upload, a publication) holds the KB."""

    def __init__(self, kb_dir: object) -> None:
        super().__init__(f"another ingest is running on {kb_dir}; wait for it to finish")
