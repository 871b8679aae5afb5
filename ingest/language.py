"""Language detection by script: reliable for Japanese vs English even on three-word queries,
where statistical detectors guess."""

from __future__ import annotations

import re

_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str, default: str = "en") -> str:
    """'ja' if the text has kana (or is mostly kanji), 'ko' for Hangul, 'zh' for kanji without
    kana, 'en' for Latin script, else ``default``.

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
