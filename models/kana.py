"""Kana folding: how a word is read, in one spelling, whatever script it was typed in.

Customers type the same word many ways: パスワード, ぱすわーど, ﾊﾟｽﾜｰﾄﾞ, パスワド; キャンセル and
きゃんせる. ``fold_kana`` maps them to one form: NFKC (half-width katakana → full-width),
hiragana → katakana, small kana → their full-size letter (ャ → ヤ, ッ → ツ), ヴ-sounds → バ行,
ヂ/ヅ → ジ/ズ, and no long-vowel marks. ``reading_terms`` turns a folded reading into the
character n-grams the reading index matches on (so a word Sudachi cannot segment, a product
name or a one-character typo still shares most of its n-grams with the right word).

Pure functions, no model: ``models.japanese`` gives the reading of kanji.

Example:
    >>> fold_kana("ぱすわーど") == fold_kana("ﾊﾟｽﾜｰﾄﾞ") == fold_kana("パスワド")
    True
    >>> reading_terms("パスワド")
    ['パス', 'スワ', 'ワド', 'パスワ', 'スワド']
"""

from __future__ import annotations

import re
import unicodedata

LONG_VOWEL = "ー"
# Small kana and their full-size letters (katakana; hiragana is folded to katakana first).
_SMALL = str.maketrans("ァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ",
                       "アイウエオツヤユヨワカケクシストヌハヒフヘホムラリルレロ")
# (small kana are folded first: ヴァ is ヴア by then)
_VU = {"ヴア": "バ", "ヴイ": "ビ", "ヴエ": "ベ", "ヴオ": "ボ", "ヴ": "ブ"}
_VU_RE = re.compile("|".join(sorted(_VU, key=len, reverse=True)))
_MARKS = re.compile("[\u3099\u309a]")
_LAST_LONG_VOWEL = re.compile("(?<=[ァ-ヺ])ー+(?![ァ-ヺ])")
_OLD = str.maketrans("ヂヅヰヱヷヸヹヺ", "ジズイエバビベボ")
# Hiragana (ぁ..ゖ, ゝゞ) → katakana: the same letters 0x60 code points further on.
_HIRAGANA = str.maketrans({c: c + 0x60 for c in [*range(0x3041, 0x3097), 0x309D, 0x309E]})
# What separates the runs whose n-grams are taken: anything but letters, digits and marks.
_RUN = re.compile(r"[^\W_]+")
NGRAM_SIZES = (2, 3)


def fold_kana(text: str) -> str:
    """``text`` with its kana in one spelling (see the module docstring); other characters are
    only NFKC-normalised. Idempotent: ``fold_kana(fold_kana(t)) == fold_kana(t)``.

    >>> fold_kana("きゃんせる"), fold_kana("ｷｬﾝｾﾙ"), fold_kana("ヴァイオリン")
    ('キヤンセル', 'キヤンセル', 'バイオリン')
    """
    return fold_spelling(text).replace(LONG_VOWEL, "")


def fold_spelling(text: str) -> str:
    """``fold_kana`` short of the long-vowel marks: only a word's last ー goes (サーバー and
    サーバ are one word; ビール and ビル are two).

    >>> fold_spelling("サーバー"), fold_spelling("サーバ"), fold_spelling("ビール")
    ('サーバ', 'サーバ', 'ビール')
    """
    text = unicodedata.normalize("NFKC", text).translate(_HIRAGANA).translate(_SMALL)
    # Marks on letters that have no voiced form (ッ゛) combine with nothing: dropped, so that a
    # second folding has nothing left to compose.
    text = _MARKS.sub("", unicodedata.normalize("NFC", text))
    text = _VU_RE.sub(lambda m: _VU[m.group(0)], text)
    return _LAST_LONG_VOWEL.sub("", text.translate(_OLD))


def to_katakana(text: str) -> str:
    """Hiragana → katakana, one letter for one (offsets carry over); nothing else changes.

    >>> to_katakana("ぱすわーどをﾜｽﾚﾀ")
    'パスワードヲﾜｽﾚﾀ'
    """
    return text.translate(_HIRAGANA)


def reading_terms(reading: str, sizes: tuple[int, ...] = NGRAM_SIZES) -> list[str]:
    """Character n-grams of each run of letters and digits of a folded ``reading`` (lower-cased;
    a run shorter than the smallest size is a term as it is).

    >>> reading_terms("ワスレタ 2")
    ['ワス', 'スレ', 'レタ', 'ワスレ', 'スレタ', '2']
    """
    out: list[str] = []
    for run in _RUN.findall(reading.lower()):
        if len(run) < min(sizes):
            out.append(run)
            continue
        for n in sizes:
            out.extend(run[i:i + n] for i in range(len(run) - n + 1))
    return out


def is_kana(text: str) -> bool:
    """True when ``text`` is made of kana (either script) and long-vowel marks only."""
    return bool(text) and all("\u3041" <= c <= "\u30ff" for c in text)
