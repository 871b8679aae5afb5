"""Time for the gap report: parse times, weeks, recency weights and trends (pure functions).

Example:
    >>> week_start("2026-11-26T10:00:00+09:00")
    '2026-11-23'
    >>> trend([5, 1], new=False)
    'rising'
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

HALF_LIFE_DAYS = 30.0  # a question a month old counts half as much as one asked today
TREND_DAYS = 14  # trends compare the last two weeks with the two before


def parse_time(value: str) -> datetime | None:
    """An aware UTC datetime from ISO 8601 (naive times are taken as UTC); None if unparsable.

    >>> parse_time("2026-01-05").isoformat()
    '2026-01-05T00:00:00+00:00'
    """
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def week_start(value: str | datetime) -> str:
    """The Monday (UTC) of the week ``value`` falls in, as YYYY-MM-DD ("" if unparsable)."""
    when = parse_time(value) if isinstance(value, str) else value
    if when is None:
        return ""
    return (when - timedelta(days=when.weekday())).date().isoformat()


def weekly_counts(times: Iterable[str]) -> dict[str, int]:
    """Questions per week, oldest week first."""
    counts = Counter(w for w in (week_start(t) for t in times) if w)
    return dict(sorted(counts.items()))


def weeks_between(first: str, last: str) -> list[str]:
    """Every week start from ``first``'s week to ``last``'s, both included."""
    start, end = parse_time(week_start(first)), parse_time(week_start(last))
    if start is None or end is None:
        return []
    out = []
    while start <= end:
        out.append(start.date().isoformat())
        start += timedelta(days=7)
    return out


def recency_weight(asked_at: str, now: datetime, half_life_days: float = HALF_LIFE_DAYS) -> float:
    """1.0 for a question asked now, halving every ``half_life_days``.

    >>> round(recency_weight("2026-01-01T00:00:00+00:00", datetime(2026, 1, 31, tzinfo=UTC)), 2)
    0.5
    """
    when = parse_time(asked_at)
    if when is None:
        return 0.0
    age = max((now - when).total_seconds() / 86400.0, 0.0)
    return math.pow(0.5, age / half_life_days)


def trend(counts: list[int], new: bool) -> str:
    """``new``, ``rising``, ``falling`` or ``steady`` from [recent period, period before].

    >>> trend([4, 1], new=False), trend([2, 2], new=False), trend([3, 0], new=True)
    ('rising', 'steady', 'new')
    """
    if new:
        return "new"
    recent, before = counts
    if recent >= before * 1.5 and recent - before >= 2:
        return "rising"
    if before >= recent * 1.5 and before - recent >= 2:
        return "falling"
    return "steady"


def gap_trend(times: Iterable[str], now: datetime, days: int = TREND_DAYS) -> str:
    """The trend of one gap: ``new`` when its first question is from the last ``days``."""
    parsed = [t for t in (parse_time(x) for x in times) if t is not None]
    if not parsed:
        return "steady"
    recent_start, before_start = now - timedelta(days=days), now - timedelta(days=2 * days)
    recent = sum(t >= recent_start for t in parsed)
    before = sum(before_start <= t < recent_start for t in parsed)
    return trend([recent, before], new=min(parsed) >= recent_start)


_SINCE_UNITS = {"d": 1, "w": 7, "m": 30, "y": 365}


def parse_since(text: str) -> int | None:
    """Days in a ``--since`` value: ``30d``, ``8w``, ``6m`` (30-day months), ``1y`` or ``all``.

    >>> parse_since("30d"), parse_since("8w"), parse_since("all"), parse_since("45")
    (30, 56, None, 45)
    """
    value = text.strip().lower()
    if value in ("all", "*", ""):
        return None
    number, unit = (value[:-1], value[-1]) if value[-1] in _SINCE_UNITS else (value, "d")
    if not number.isdigit() or int(number) < 1:
        raise ValueError(f"since must look like 30d, 8w, 6m, 1y or all; got {text!r}")
    return int(number) * _SINCE_UNITS[unit]
