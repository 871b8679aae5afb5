"""Retrieval errors."""

from pathlib import Path

from kotae.kb import KBError, SnapshotCorrupt


class RetrievalError(KBError):
    """Base class for retrieval errors."""


class TokenizerMismatch(RetrievalError):
    """The configured lexical tokeniser is not the one that built the BM25 index."""

    def __init__(self, index_tokenizer: str, configured: str) -> None:
        super().__init__(
            f"the BM25 index was built with tokeniser {index_tokenizer!r} but this kotae uses "
            f"{configured!r} (a newer version, or KOTAE_SUDACHI_MODE); run `kotae ingest "
            "--rebuild` to rebuild the index (nothing is re-embedded)"
        )


class EmbedderMismatch(RetrievalError):
    """The configured embedder is not the one that built the index."""

    def __init__(self, index_embedder: str, configured: str) -> None:
        super().__init__(
            f"the index was built with embedder {index_embedder!r} but {configured!r} is "
            "configured; use the same embedder (KOTAE_EMBEDDER / KOTAE_EMBEDDER_MODEL) or "
            "rebuild the index with `kotae ingest --rebuild`"
        )
        self.index_embedder = index_embedder
        self.configured = configured


class IndexCorrupt(RetrievalError, SnapshotCorrupt):
    """A file of the serving snapshot is missing, unreadable, or not the file that was built.

    Example:
        >>> exc = IndexCorrupt("var/kb/snapshots/s1/dense.faiss", "truncated")
        >>> str(exc).split("; ")[1]
        'rebuild the index: kotae ingest --rebuild --kb var/kb'
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        path = Path(path)
        snapshots = next((p for p in path.parents if p.name == "snapshots"), None)
        kb_dir = f" --kb {snapshots.parent}" if snapshots is not None else ""
        KBError.__init__(self, f"index file {path} is unreadable ({reason}); rebuild the index: "
                               f"kotae ingest --rebuild{kb_dir}")
        self.path = str(path)
