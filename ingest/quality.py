"""Is an extracted text worth indexing? Garbage is reported per file, never indexed as junk.

Catches what converters produce from bad input: mojibake (UTF-8 read as Shift_JIS/CP932, the
classic 縺ゅ≠ 文字化け, or as Latin-1, the ã\x81\x82 kind), replacement characters, PDF fonts
without a Unicode map (pdfminer's ``(cid:123)``), private-use and control characters, and texts
with almost no letters (a scanned page, a binary blob).

Example:
    >>> text_problem("パスワードはログイン画面から再設定できます。") is None
    True
    >>> text_problem("繝代せ繝ｯ繝ｼ繝峨ｒ蠢倥ｌ縺ｾ縺励◆")
    'text looks garbled (mojibake: UTF-8 read as Shift_JIS); re-export the file as UTF-8'
"""

from __future__ import annotations

import re
import unicodedata

_CID = re.compile(r"\(cid:\d+\)")
_KANA_OR_HAN = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
MIN_LETTERS = 5


def _roundtrip(text: str, wrong: str) -> str | None:
    """``text`` re-read as UTF-8, if it is UTF-8 that was decoded as ``wrong``."""
    try:
        fixed = text.encode(wrong).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    return fixed if fixed != text else None


# UTF-8 kana and 、。 start with the bytes E3 80-83, which Shift_JIS reads as these four kanji:
# in real Japanese they are rare, in UTF-8 read as Shift_JIS they are everywhere.
_SJIS_MOJIBAKE = set("縺繧繝縲")


def _mojibake(sample: str) -> str | None:
    non_ascii = [c for c in sample if ord(c) > 127]
    if len(non_ascii) < 8:
        return None
    if sum(c in _SJIS_MOJIBAKE for c in non_ascii) / len(non_ascii) > 0.1:
        return "mojibake: UTF-8 read as Shift_JIS"
    for wrong, label in (("cp932", "Shift_JIS"), ("cp1252", "Latin-1"), ("latin-1", "Latin-1")):
        # Re-encode only the non-ASCII runs: real Japanese almost never forms valid UTF-8 then.
        runs = re.findall(r"[^\x00-\x7f]+", sample)
        fixed = [_roundtrip(run, wrong) for run in runs if len(run) >= 2]
        good = [f for f in fixed if f is not None]
        if len(good) >= max(1, len(fixed) // 2) and sum(map(len, good)) >= 4:
            return f"mojibake: UTF-8 read as {label}"
    return None


def text_problem(text: str) -> str | None:
    """Why ``text`` should not be indexed, or None when it looks like real text."""
    sample = text[:20000]
    letters = sum(1 for c in sample if unicodedata.category(c)[0] in "LN")
    if letters < MIN_LETTERS:
        return "no text to index (empty, or a scanned page without a text layer: run OCR first)"
    bad = sample.count("\ufffd") + len(_CID.findall(sample)) * 4
    bad += sum(1 for c in sample if unicodedata.category(c) in ("Co", "Cs", "Cc")
               and c not in "\n\t\r")
    if bad / max(len(sample), 1) > 0.05:
        return ("text looks garbled (unreadable characters or fonts without a Unicode map); "
                "fix the source file or export it again")
    reason = _mojibake(sample)
    if reason:
        return f"text looks garbled ({reason}); re-export the file as UTF-8"
    if letters / max(len(sample.replace(" ", "").replace("\n", "")), 1) < 0.3:
        return "text is mostly symbols, not words; is this the right file?"
    return None
