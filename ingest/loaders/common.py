"""What every loader shares: defaults for a batch, results, decoding, field parsing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from kotae.ingest.errors import LoadError, Problem
from kotae.kb import Document, Visibility, parse_enum
from kotae.kb.normalise import normalise_text
from kotae.kb.text import detect_language

MAX_FILE_BYTES = 50 * 1024 * 1024
MAPPABLE_FIELDS = ("id", "question", "answer", "subject", "body", "reply", "category", "url",
                   "visibility", "language", "product", "created_at", "updated_at", "status",
                   "priority", "customer_name", "customer_email")


@dataclass(frozen=True, slots=True)
class Defaults:
    """Values for fields a source does not set (``kotae ingest --visibility internal DIR``)."""

    visibility: Visibility | None = None
    product: str = ""
    # Generic exports: our field name -> the source's column or key (``--columns id=番号,...``).
    columns: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.columns) - set(MAPPABLE_FIELDS))
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)} in the column mapping; "
                             f"allowed: {', '.join(MAPPABLE_FIELDS)}")

    def map_record(self, record: dict[str, Any]) -> dict[str, Any]:
        """``record`` with the mapped source columns renamed to our field names."""
        if not self.columns:
            return record
        renamed = {ours: record[theirs] for ours, theirs in self.columns.items()
                   if theirs in record}
        sources = set(self.columns.values())
        return {**{k: v for k, v in record.items() if k not in sources}, **renamed}


@dataclass
class LoadResult:
    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """False when some entries were skipped: then stale documents are not removed."""
        return not self.problems


def read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LoadError(str(path), f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
        return path.read_bytes()
    except OSError as exc:
        raise LoadError(str(path), f"cannot read file ({exc.strerror or exc})") from exc


def decode(path: Path, data: bytes) -> str:
    """UTF-8 (with or without BOM), then CP932/Shift_JIS (Japanese Excel), then a detector."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise LoadError(str(path), "binary file (contains NUL bytes); expected text")
    for encoding in ("utf-8-sig", "cp932", "euc_jp"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    best = from_bytes(data).best()
    if best is None or best.encoding is None or best.chaos > 0.1:
        raise LoadError(str(path), "unknown text encoding; save the file as UTF-8")
    return str(best)


def read_text(path: Path) -> str:
    return decode(path, read_bytes(path))


def parse_visibility(value: object, defaults: Defaults, fallback: Visibility) -> Visibility:
    if value is None or str(value).strip() == "":
        return defaults.visibility or fallback
    return parse_enum(Visibility, str(value), "visibility")


def parse_language(value: object, text: str) -> str:
    if value is None or str(value).strip() == "":
        return detect_language(text)
    lang = str(value).strip().lower()
    if not (2 <= len(lang) <= 8 and lang.replace("-", "").isalpha()):
        raise ValueError(f"language {value!r} is not a language code such as ja or en")
    return lang


def clean(value: object) -> str:
    return normalise_text(str(value)) if value is not None else ""
