"""Text normalisation, shared by ingestion and queries: NFKC (full-width ASCII → half-width,
half-width kana → full-width) and whitespace clean-up that keeps paragraph breaks."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[ \t\u3000\u00a0]+")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise_text(text: str) -> str:
    """NFKC, unify line ends, drop control characters, collapse runs of spaces and blank lines.

    >>> normalise_text("ﾊﾟｽﾜｰﾄﾞ　を  忘れた\\r\\n\\r\\n\\r\\n次")
    'パスワード を 忘れた\\n\\n次'
    """
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def normalise_query(text: str) -> str:
    """Queries are one line: NFKC and single spaces."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).replace("\n", " ")).strip()
