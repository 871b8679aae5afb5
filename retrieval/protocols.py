"""What retrieval needs from a model, by shape: ``models`` provides classes that fit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
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


class Spellings(Protocol):
    """How the KB writes what it reads: ``convert`` writes a query's hiragana words the KB's
    way (text already written so comes back unchanged)."""

    def convert(self, text: str) -> str: ...

    def save(self, path: Path) -> None: ...


class Tokenizer(Protocol):
    """Terms of the lexical index (``tokens``), of the reading index (``reading_terms``: how
    the text is read, whatever script it is typed in) and of the synonym index
    (``synonym_terms``: what its words mean, whichever synonym is used), each named by its id;
    the KB's spellings by reading, learnt from its texts at build."""

    id: str
    reading_id: str
    synonym_id: str

    def tokens(self, text: str) -> list[str]: ...

    def analyse(self, text: str) -> Sequence[TokenSpan]: ...

    def reading(self, text: str) -> str: ...

    def reading_terms(self, text: str) -> list[str]: ...

    def synonym_terms(self, text: str) -> list[str]: ...

    def learn_spellings(self, texts: Iterable[str]) -> Spellings: ...

    def load_spellings(self, path: Path) -> Spellings: ...
