"""Loaders by file extension: each turns one file into documents (and problems)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.loaders.common import Defaults, LoadResult
from ingest.loaders.documents import load_html, load_markdown, load_text
from ingest.loaders.faq_csv import load_faq_csv
from ingest.loaders.tickets import load_tickets_jsonl

Loader = Callable[[Path, Defaults], LoadResult]

LOADERS: dict[str, Loader] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".csv": load_faq_csv,
    ".jsonl": load_tickets_jsonl,
}


def loader_for(path: Path) -> Loader | None:
    return LOADERS.get(path.suffix.lower())


__all__ = ["LOADERS", "Defaults", "LoadResult", "Loader", "loader_for"]
