"""Confidence that the top hit answers the query, from the dense similarity of the top hit.

A logistic curve over the top cosine: ``center`` is the cosine at which confidence is 0.5 and
``scale`` how fast it rises. Both are KB settings that the eval harness calibrates on labelled
queries; the defaults suit multilingual-e5-small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConfidenceModel:
    center: float = 0.86
    scale: float = 40.0
    # Both arms agreeing on the top document is evidence too.
    agreement_bonus: float = 0.5

    def __post_init__(self) -> None:
        if self.scale <= 0:
            raise ValueError(f"confidence scale must be positive, got {self.scale}")

    def __call__(self, top_cosine: float | None, arms_agree: bool) -> float:
        if top_cosine is None:
            return 0.0
        z = (top_cosine - self.center) * self.scale + (self.agreement_bonus if arms_agree else 0.0)
        return 1.0 / (1.0 + math.exp(-z))
