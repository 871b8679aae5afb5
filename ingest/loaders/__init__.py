"""Loaders by file extension: each turns one file into documents (and problems)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kotae.ingest.loaders.common import Defaults, LoadResult
from kotae.ingest.loaders.documents import load_html, load_markdown, load_text
from kotae.ingest.loaders.faq_csv import load_faq_csv
from kotae.ingest.loaders.helpdesk import load_json_export
from kotae.ingest.loaders.office import load_docx, load_pdf, load_pptx, load_xlsx
from kotae.ingest.loaders.tickets import load_tickets_jsonl

Loader = Callable[[Path, Defaults], LoadResult]

LOADERS: dict[str, Loader] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".csv": load_faq_csv,
    ".jsonl": load_tickets_jsonl,
    ".ndjson": load_tickets_jsonl,
    ".json": load_json_export,
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".pptx": load_pptx,
    ".xlsx": load_xlsx,
}
# Bumped when a loader's output changes for the same file: unchanged files are then re-read.
LOADERS_VERSION = "2"


def loader_for(path: Path) -> Loader | None:
    return LOADERS.get(path.suffix.lower())


__all__ = ["LOADERS", "LOADERS_VERSION", "Defaults", "LoadResult", "Loader", "loader_for"]
