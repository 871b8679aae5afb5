"""Write the whole gap report into a folder: CSV tables, Markdown, and HTML with charts.

Example:
    >>> [p.name for p in write_report(report, Path("report"))]
    ['gaps.csv', 'duplicates.csv', 'stale.csv', 'weeks.csv', 'gaps.md', 'gaps.html']
"""

from __future__ import annotations

from pathlib import Path

from kotae.suggest.gaps.export import TABLES, report_markdown, table_csv
from kotae.suggest.gaps.report import GapReport


def write_report(report: GapReport, folder: Path, html: bool = True) -> list[Path]:
    """The files written (CSV in UTF-8 with a BOM, so that Excel reads the Japanese)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in TABLES:
        path = folder / f"{table}.csv"
        path.write_text("\ufeff" + table_csv(report, table), encoding="utf-8")
        written.append(path)
    path = folder / "gaps.md"
    path.write_text(report_markdown(report), encoding="utf-8")
    written.append(path)
    if html:
        from kotae.suggest.gaps.html import report_html

        path = folder / "gaps.html"
        path.write_text(report_html(report), encoding="utf-8")
        written.append(path)
    return written
