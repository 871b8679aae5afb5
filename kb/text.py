"""Text rules shared by ingestion, search and drafting: which language a text is in, and where
its sentences end, which marks are Markdown's emphasis. One copy, so a chunk and a drafted answer
cut sentences the same way, and an answer and a snippet leave out the same marks.

Example:
    >>> detect_language("請求書 PDF"), reply_language("I need my 請求書 as a PDF, please")
    ('ja', 'en')
    >>> split_sentences("はい。「どうですか？」と聞きました。\\nOK. Next")
    ['はい。', '「どうですか？」と聞きました。', 'OK.', 'Next']
"""

from __future__ import annotations

import re

_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_LATIN = re.compile(r"[A-Za-z]")
# A sentence ends after 。！？!? (not inside a quote or bracket it closes: 「…？」, "…?") and at
# ". " after a word (not "1. ", a list number).
SENTENCE_END = re.compile(r"(?<=[。！？!?])(?![!?！？」』）)\"'*_])|(?<=[^\d\s][.])(?=\s)")
REPLY_LANGUAGES = ("ja", "en")
# Markdown's emphasis marks (**bold**, __bold__, `code`): what a person reading an answer or a
# snippet never sees.
EMPHASIS_MARK = r"\*\*|__|`"


def detect_language(text: str, default: str = "en") -> str:
    """'ja' if the text has kana (or is short and all kanji), 'ko' for Hangul, 'zh' for longer
    kanji without kana, 'en' for Latin script, else ``default``. By script: reliable for
    Japanese vs English even on three-word queries, where statistical detectors guess.

    >>> detect_language("パスワードを忘れた"), detect_language("Reset my password")
    ('ja', 'en')
    """
    sample = text[:2000]
    kana = len(_KANA.findall(sample))
    han = len(_HAN.findall(sample))
    latin = len(_LATIN.findall(sample))
    hangul = len(_HANGUL.findall(sample))
    # A CJK character carries about as much as three Latin letters.
    if kana and (kana + han) * 3 >= latin:
        return "ja"
    if hangul and hangul * 3 >= max(han * 3, latin):
        return "ko"
    if han and han * 3 >= latin:
        # Short Japanese texts can be all kanji (請求書発行): without kana we cannot tell, and
        # a Japanese-first product reads them as Japanese.
        return "ja" if han < 12 else "zh"
    if latin:
        return "en"
    return default


def reply_language(text: str) -> str:
    """The language kotae answers ``text`` in: Japanese for Japanese (and kanji) text, else
    English (kotae answers in ``REPLY_LANGUAGES`` only)."""
    return "ja" if detect_language(text) in ("ja", "zh") else "en"


def split_sentences(text: str) -> list[str]:
    """Sentences and lines of ``text``, stripped, empty ones dropped (no other text is lost).

    >>> split_sentences("はい。いいえ！\\nOK. Next")
    ['はい。', 'いいえ！', 'OK.', 'Next']
    """
    return [part for line in text.split("\n") for part in
            (p.strip() for p in SENTENCE_END.split(line)) if part]
