"""What a gap report covers and how it groups questions (validated on construction).

Example:
    >>> GapOptions(since_days=30).min_size
    3
    >>> GapOptions(method="kmeans")
    Traceback (most recent call last):
    ValueError: unknown clustering method 'kmeans'; allowed: agglomerative, hdbscan
"""

from __future__ import annotations

from dataclasses import dataclass

from kotae.suggest.gaps.cluster import DEFAULT_DISTANCE, check_clustering
from kotae.suggest.gaps.duplicates import DEFAULT_SIMILARITY
from kotae.suggest.gaps.stale import DEFAULT_MONTHS


@dataclass(frozen=True)
class GapOptions:
    """What the report covers. ``since_days=None`` means the whole log and every ticket.

    ``distance_threshold`` is the average cosine distance (after centering) under which
    questions join a group; ``min_size`` the questions a group needs to be reported.

    Example:
        >>> GapOptions(since_days=90, min_size=2).distance_threshold
        0.6
    """

    since_days: int | None = 30
    min_size: int = 3
    distance_threshold: float = DEFAULT_DISTANCE
    method: str = "agglomerative"
    stale_months: int = DEFAULT_MONTHS
    duplicate_similarity: float = DEFAULT_SIMILARITY
    include_tickets: bool = True
    max_events: int = 50_000
    max_gaps: int = 100

    def __post_init__(self) -> None:
        check_clustering(self.method, self.distance_threshold, self.min_size)
        if self.since_days is not None and self.since_days < 1:
            raise ValueError(f"since must be at least 1 day, got {self.since_days}")
        if self.stale_months < 1 or self.max_events < 1 or self.max_gaps < 1:
            raise ValueError("stale_months, max_events and max_gaps must be at least 1")
        if not 0.0 < self.duplicate_similarity <= 1.0:
            raise ValueError(f"duplicate similarity must be in (0, 1], got "
                             f"{self.duplicate_similarity}")
