"""Errors of the FAQ-gap report: each says what went wrong and what to do about it."""

from __future__ import annotations

from kotae.suggest.errors import SuggestError


class GapsError(SuggestError):
    """Base class for errors while building the gap report or acting on it."""


class GapNotFound(GapsError, LookupError):
    """No gap of the current report has that id."""

    def __init__(self, gap_id: str) -> None:
        super().__init__(f"no gap with id {gap_id!r} in the current report; reload the report "
                         "(ids change when the questions of a gap change)")
        self.gap_id = gap_id


class NothingToAccept(GapsError, ValueError):
    """The gap's proposal has no answer to turn into an FAQ entry."""

    def __init__(self, gap_id: str) -> None:
        super().__init__(f"gap {gap_id!r} has no drafted answer (no resolved ticket answers it "
                         "yet); write the entry by hand, or send an answer with the request")
        self.gap_id = gap_id
