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
