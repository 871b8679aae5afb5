"""What retrieval needs from a model, by shape: ``models`` provides classes that fit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    id: str

    @property
    def dim(self) -> int: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str],
                       on_progress: Callable[[int], None] | None = None) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


class TokenSpan(Protocol):
    @property
    def term(self) -> str: ...

    @property
    def begin(self) -> int: ...

    @property
    def end(self) -> int: ...


class Tokenizer(Protocol):
    id: str

    def tokens(self, text: str) -> list[str]: ...

    def analyse(self, text: str) -> Sequence[TokenSpan]: ...
