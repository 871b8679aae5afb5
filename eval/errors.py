"""Errors of the eval harness: each says what went wrong and what to do."""

from __future__ import annotations


class EvalError(Exception):
    """Base class of the eval harness's errors."""


class DatasetError(EvalError):
    """A dataset file is missing or malformed (the message names the file and line)."""


class UnknownDataset(EvalError):
    """``kotae eval convert`` was given a dataset name it has no converter for."""

    def __init__(self, name: str, allowed: list[str]) -> None:
        super().__init__(f"unknown dataset {name!r}; allowed: {', '.join(allowed)}")
        self.name = name
        self.allowed = allowed


class ServerError(EvalError):
    """The kotae server for the latency eval did not start or answer."""
