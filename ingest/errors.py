"""Ingestion errors and the problems reported for bad input."""

from __future__ import annotations

from dataclasses import dataclass


class IngestError(Exception):
    """Base class for ingestion errors."""


class LoadError(IngestError):
    """A whole file could not be read; nothing from it is ingested."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Problem:
    """Something skipped: a file, or one line or row of a file."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"
