"""Filters applied before top-k, and the audience that bounds every search.

The audience is not optional: a public caller's search can only ever see what the audience
rule (``kotae.kb.audience``) lets customers read, whatever filter it asks for, because the mask
is built here where the indexes are read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kotae.kb import Kind, Visibility
from kotae.kb.audience import PUBLIC_KINDS, PUBLIC_VISIBILITIES, Audience

__all__ = ["Audience", "RowTable", "SearchFilter"]


@dataclass(frozen=True, slots=True)
class SearchFilter:
    """Restrict a search; an empty set means "any"."""

    kinds: frozenset[Kind] = frozenset()
    visibilities: frozenset[Visibility] = frozenset()
    languages: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()

    nothing: bool = False  # set when a public caller asked only for what it may not read

    def for_audience(self, audience: Audience) -> SearchFilter:
        """This filter narrowed to what ``audience`` may read."""
        if audience is Audience.AGENT:
            return self
        kinds = (self.kinds or frozenset(Kind)) & PUBLIC_KINDS
        visibilities = (self.visibilities or frozenset(Visibility)) & PUBLIC_VISIBILITIES
        return SearchFilter(kinds=kinds, visibilities=visibilities, languages=self.languages,
                            products=self.products,
                            nothing=self.nothing or not kinds or not visibilities)


@dataclass
class RowTable:
    """Per-row filter columns of a snapshot, as arrays for fast masks."""

    kind: np.ndarray
    visibility: np.ndarray
    language: np.ndarray
    product: np.ndarray

    @classmethod
    def from_rows(cls, rows: list[dict[str, str]]) -> RowTable:
        def col(name: str) -> np.ndarray:
            return np.array([r[name] for r in rows], dtype=object)

        return cls(col("kind"), col("visibility"), col("language"), col("product"))

    def __len__(self) -> int:
        return len(self.kind)

    def mask(self, f: SearchFilter) -> np.ndarray:
        """Boolean mask of the rows that pass ``f``."""
        keep = np.full(len(self), not f.nothing, dtype=bool)
        for values, column in ((f.kinds, self.kind), (f.visibilities, self.visibility),
                               (f.languages, self.language), (f.products, self.product)):
            if values:
                keep &= np.isin(column, [str(v) for v in values])
        return keep
