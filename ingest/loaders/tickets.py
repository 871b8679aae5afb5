"""Past tickets as JSON Lines: ``id, subject, body, reply, status, category, priority,
created_at`` (+ optional ``language, visibility, product``). Tickets are internal by default."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.errors import Problem
from ingest.loaders.common import (
    Defaults,
    LoadResult,
    clean,
    parse_language,
    parse_visibility,
    read_text,
)
from kb import Document, Kind, Visibility

_KNOWN = {"id", "subject", "body", "reply", "category", "language", "visibility", "product",
          "url", "created_at", "updated_at"}


def load_tickets_jsonl(path: Path, defaults: Defaults) -> LoadResult:
    result = LoadResult()
    seen: set[str] = set()
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            result.problems.append(Problem(str(path), f"malformed JSON ({exc.msg})", number))
            continue
        if not isinstance(record, dict):
            result.problems.append(Problem(str(path), "line is not a JSON object", number))
            continue
        key = clean(record.get("id"))
        subject, body = clean(record.get("subject")), clean(record.get("body"))
        if not key or not (subject or body):
            result.problems.append(Problem(str(path), "ticket needs an id and a subject or body",
                                           number))
            continue
        if key in seen:
            result.problems.append(Problem(str(path), f"duplicate ticket id {key!r}", number))
            continue
        seen.add(key)
        reply = clean(record.get("reply"))
        try:
            visibility = parse_visibility(record.get("visibility"), defaults, Visibility.INTERNAL)
            language = parse_language(record.get("language"), f"{subject}\n{body}")
        except ValueError as exc:
            result.problems.append(Problem(str(path), str(exc), number))
            continue
        meta = {k: v for k, v in record.items() if k not in _KNOWN}
        meta["ticket_id"] = key
        created = clean(record.get("created_at"))
        meta["created_at"] = created
        result.documents.append(Document.create(
            source=str(path), key=key, kind=Kind.TICKET, title=subject or body[:60],
            body=body, answer=reply, language=language, visibility=visibility,
            product=clean(record.get("product")) or defaults.product,
            url=clean(record.get("url")), category=clean(record.get("category")),
            updated_at=clean(record.get("updated_at")) or created, meta=meta,
        ))
    return result
