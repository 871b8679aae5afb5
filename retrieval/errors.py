"""Retrieval errors."""

from kb import KBError


class RetrievalError(KBError):
    """Base class for retrieval errors."""


class TokenizerMismatch(RetrievalError):
    """The configured lexical tokeniser is not the one that built the BM25 index."""

    def __init__(self, index_tokenizer: str, configured: str) -> None:
        super().__init__(
            f"the BM25 index was built with tokeniser {index_tokenizer!r} but {configured!r} is "
            "configured (KOTAE_SUDACHI_MODE); re-run `kotae ingest` to rebuild the index "
            "(nothing is re-embedded)"
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
