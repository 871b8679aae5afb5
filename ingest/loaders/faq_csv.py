"""FAQ sheets as CSV: UTF-8 (with or without BOM) or Shift_JIS/CP932 as Japanese Excel saves them.

Required columns: ``question,answer`` (or 質問,回答); optional
``id,category,url,visibility,language,product,updated_at`` and ``variants`` (言い換え): other
ways customers ask the same question, one a line within the cell (Alt+Enter in Excel). Variants
are not shown; they teach the question router (``retrieval.router``) which entry a question
asks about. Other column names map with
``Defaults.columns``; a ticket export (Freshdesk's columns, or a mapping without question and
answer) is loaded as tickets by ``helpdesk.load_ticket_rows``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from kotae.ingest.errors import LoadError, Problem
from kotae.ingest.loaders.common import (
    Defaults,
    LoadResult,
    clean,
    parse_language,
    parse_visibility,
    read_text,
)
from kotae.ingest.loaders.helpdesk import is_freshdesk_header, load_ticket_rows
from kotae.kb import Document, Kind, Visibility, stable_hash

_ALIASES = {
    "質問": "question", "問い合わせ": "question", "q": "question",
    "回答": "answer", "答え": "answer", "a": "answer",
    "カテゴリ": "category", "カテゴリー": "category", "公開範囲": "visibility",
    "言語": "language", "製品": "product", "更新日": "updated_at",
    "言い換え": "variants", "類似質問": "variants", "別の聞き方": "variants",
    "alternatives": "variants", "alternative_questions": "variants",
}


def parse_variants(cell: str | None, question: str) -> list[str]:
    """The variants of one row: a line each, blank lines and repeats (of the question too) out.

    >>> parse_variants("ログインできない\\n\\nパスワードを忘れた\\nログインできない", "再設定")
    ['ログインできない', 'パスワードを忘れた']
    """
    out = dict.fromkeys(v for line in (cell or "").splitlines() if (v := clean(line)))
    out.pop(question, None)
    return list(out)


def _header_name(name: str) -> str:
    key = name.strip().lstrip("\ufeff").lower()
    return _ALIASES.get(key, key)


def load_faq_csv(path: Path, defaults: Defaults) -> LoadResult:
    return load_faq_text(path, read_text(path), defaults)


def load_faq_text(path: Path, text: str, defaults: Defaults) -> LoadResult:
    """FAQ (or ticket export) rows from CSV text; ``path`` names the source."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        raw_header = next(reader)
        if is_freshdesk_header(raw_header) or (defaults.columns and not {
                "question", "answer"} & set(defaults.columns)):  # a ticket export
            return load_ticket_rows(path, raw_header, reader, defaults, lambda: reader.line_num)
        renamed = {theirs: ours for ours, theirs in defaults.columns.items()}
        header = [_header_name(renamed.get(h.strip(), h)) for h in raw_header]
    except StopIteration:
        raise LoadError(str(path), "empty CSV file") from None
    except csv.Error as exc:
        raise LoadError(str(path), f"not a CSV file ({exc})") from exc
    missing = [c for c in ("question", "answer") if c not in header]
    if missing:
        raise LoadError(str(path), f"FAQ CSV is missing the column(s) {', '.join(missing)}; "
                        f"found: {', '.join(header) or 'none'}")
    result = LoadResult()
    seen: set[str] = set()
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            record = dict(zip(header, row, strict=False))
            question, answer = clean(record.get("question")), clean(record.get("answer"))
            variants = parse_variants(record.get("variants"), question)
            if not question or not answer:
                result.problems.append(Problem(str(path), "row has an empty question or answer",
                                               line))
                continue
            key = clean(record.get("id")) or stable_hash(question)
            if key in seen:
                result.problems.append(Problem(str(path), f"duplicate id {key!r}", line))
                continue
            seen.add(key)
            try:
                visibility = parse_visibility(record.get("visibility"), defaults,
                                              Visibility.PUBLIC)
                language = parse_language(record.get("language"), f"{question}\n{answer}")
            except ValueError as exc:
                result.problems.append(Problem(str(path), str(exc), line))
                continue
            result.documents.append(Document.create(
                source=str(path), key=key, kind=Kind.FAQ, title=question, body=answer,
                question=question, answer=answer, language=language, visibility=visibility,
                product=clean(record.get("product")) or defaults.product,
                url=clean(record.get("url")), category=clean(record.get("category")),
                updated_at=clean(record.get("updated_at")),
                meta=({"faq_id": key} if record.get("id") else {})
                | ({"variants": variants} if variants else {}),
            ))
    except csv.Error as exc:
        raise LoadError(str(path), f"malformed CSV near line {reader.line_num} ({exc})") from exc
    return result
