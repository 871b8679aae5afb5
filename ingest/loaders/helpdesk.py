"""Helpdesk exports: Zendesk JSON (tickets with comments and users, Help Center articles),
Freshdesk ticket CSV, and any ticket CSV whose columns are mapped with ``Defaults.columns``.

Every ticket goes through ``thread.ticket_from_record``, which redacts it.

Example:
    >>> result = load_json_export(Path("zendesk-tickets.json"), Defaults())
    >>> [d.title for d in result.documents]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from kotae.ingest.errors import LoadError, Problem
from kotae.ingest.loaders.common import Defaults, LoadResult, clean, parse_language, read_text
from kotae.ingest.loaders.thread import ticket_from_record
from kotae.kb import Document, Kind, Visibility

# Freshdesk's ticket export (Tickets > Export > CSV) column names, lower-cased.
FRESHDESK_COLUMNS = {
    "id": "ticket id", "subject": "subject", "body": "description", "status": "status",
    "priority": "priority", "category": "type", "created_at": "created time",
    "updated_at": "last update time", "product": "product", "customer_name": "full name",
    "customer_email": "email", "reply": "resolution",
}


def is_freshdesk_header(header: Iterable[str]) -> bool:
    names = {h.strip().lower() for h in header}
    return {"ticket id", "subject", "description"} <= names


def load_ticket_rows(path: Path, header: list[str], reader: Iterable[list[str]],
                     defaults: Defaults, line_of: Callable[[], int]) -> LoadResult:
    """Ticket rows of a CSV export (Freshdesk's columns, or the ``--columns`` mapping)."""
    lowered = [h.strip().lower() for h in header]
    mapping = {ours: theirs.lower() for ours, theirs in
               (defaults.columns or FRESHDESK_COLUMNS).items()}
    result = LoadResult()
    seen: set[str] = set()
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        raw = dict(zip(lowered, row, strict=False))
        record = {ours: raw[theirs] for ours, theirs in mapping.items() if theirs in raw}
        record.update({k: v for k, v in raw.items() if k not in mapping.values() and v})
        key = clean(record.get("id"))
        if key in seen:
            result.problems.append(Problem(str(path), f"duplicate ticket id {key!r}", line_of()))
            continue
        try:
            doc = ticket_from_record(str(path), record, defaults)
        except ValueError as exc:
            result.problems.append(Problem(str(path), str(exc), line_of()))
            continue
        seen.add(key)
        result.documents.append(doc)
    return result


def _users(data: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(u.get("id")): u for u in data.get("users") or [] if isinstance(u, Mapping)}


def _tickets(path: Path, records: list[Any], users: Mapping[str, Mapping[str, Any]],
             defaults: Defaults) -> LoadResult:
    result = LoadResult()
    seen: set[str] = set()
    for number, record in enumerate(records, start=1):
        if not isinstance(record, Mapping):
            result.problems.append(Problem(str(path), f"ticket #{number} is not an object"))
            continue
        record = defaults.map_record(dict(record))
        key = clean(record.get("id"))
        try:
            if key in seen:
                raise ValueError(f"duplicate ticket id {key!r}")
            result.documents.append(ticket_from_record(str(path), record, defaults, users))
            seen.add(key)
        except ValueError as exc:
            result.problems.append(Problem(str(path), f"ticket #{number}: {exc}"))
    return result


def _article(path: Path, record: Mapping[str, Any], defaults: Defaults) -> Document | None:
    """A Zendesk Help Center article; drafts are not published and are skipped."""
    from bs4 import BeautifulSoup
    from markdownify import markdownify

    if record.get("draft"):
        return None
    html = str(record.get("body") or "")
    body = clean(markdownify(str(BeautifulSoup(html, "html.parser")), heading_style="ATX",
                             strip=["img"]))
    title = clean(record.get("title"))
    if not body or not title:
        raise ValueError("article needs a title and a body")
    locale = str(record.get("locale") or "").split("-")[0]
    return Document.create(
        source=str(path), key=str(record.get("id") or title), kind=Kind.MANUAL, title=title,
        body=body, language=parse_language(locale, f"{title}\n{body}"),
        visibility=defaults.visibility or Visibility.PUBLIC, product=defaults.product,
        url=clean(record.get("html_url")), updated_at=clean(record.get("updated_at")),
        meta={"article_id": str(record.get("id") or ""),
              "labels": ",".join(map(str, record.get("label_names") or []))},
    )


def load_json_export(path: Path, defaults: Defaults) -> LoadResult:
    """A ``.json`` export: ``{"tickets": [...], "users": [...]}`` or ``{"articles": [...]}``."""
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise LoadError(str(path), f"malformed JSON ({exc.msg} at line {exc.lineno})") from exc
    if isinstance(data, list):
        data = {"tickets": data}
    if not isinstance(data, Mapping) or not ({"tickets", "articles"} & set(data)):
        raise LoadError(str(path), "unknown JSON export: expected a Zendesk export with "
                        "'tickets' (and optional 'users') or 'articles'")
    if "tickets" in data:
        return _tickets(path, list(data["tickets"] or []), _users(data), defaults)
    result = LoadResult()
    for number, record in enumerate(data["articles"] or [], start=1):
        try:
            doc = _article(path, record, defaults) if isinstance(record, Mapping) else None
        except ValueError as exc:
            result.problems.append(Problem(str(path), f"article #{number}: {exc}"))
            continue
        if doc is not None:
            result.documents.append(doc)
    return result
