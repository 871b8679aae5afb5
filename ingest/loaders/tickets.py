"""Past tickets as JSON Lines: ``id, subject, body, reply, status, category, priority,
created_at`` (+ optional ``language, visibility, product``), or one exported thread a line
(``messages``, Zendesk ``comments``, Freshdesk ``conversations``: see ``thread.py``). Other key
names map with ``Defaults.columns``. Tickets are internal by default and redacted on load."""

from __future__ import annotations

import json
from pathlib import Path

from kotae.ingest.errors import Problem
from kotae.ingest.loaders.common import Defaults, LoadResult, clean, read_text
from kotae.ingest.loaders.thread import ticket_from_record


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
        record = defaults.map_record(record)
        key = clean(record.get("id"))
        if key in seen:
            result.problems.append(Problem(str(path), f"duplicate ticket id {key!r}", number))
            continue
        try:  # redacted there: no personal data gets past this line
            doc = ticket_from_record(str(path), record, defaults)
        except ValueError as exc:
            result.problems.append(Problem(str(path), str(exc), number))
            continue
        seen.add(key)
        result.documents.append(doc)
    return result
