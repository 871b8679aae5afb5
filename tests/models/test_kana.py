"""Kana folding and readings: the same word typed in any script reads the same."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kotae.models import JapaneseTokenizer
from kotae.models.kana import fold_kana, reading_terms

# Kana of both scripts and widths, small kana, long-vowel marks, kanji, Latin, digits, spaces.
ALPHABET = ("あいうえおかがきぎゃゅょっぱぴぷーアイウエオカガキギャュョッパピプヴヵヶヂヅ"
            "ｱｲｳｶﾞﾊﾟｰｯｬ請求書忘申込ABCxyz019１２ 　、。・-")


@pytest.mark.parametrize("variants", [
    ("パスワード", "ぱすわーど", "ﾊﾟｽﾜｰﾄﾞ", "パスワド"),
    ("キャンセル", "きゃんせる", "ｷｬﾝｾﾙ", "キヤンセル"),
    ("サーバー", "サーバ", "さーばー"),
    ("ヴァイオリン", "バイオリン", "ゔぁいおりん"),
    ("テツヅキ", "てつずき"),
])
def test_spellings_of_a_word_fold_together(variants: tuple[str, ...]) -> None:
    assert len({fold_kana(v) for v in variants}) == 1, [fold_kana(v) for v in variants]


@settings(max_examples=500, deadline=None)
@given(st.text(ALPHABET, max_size=30))
def test_folding_is_idempotent(text: str) -> None:
    assert fold_kana(fold_kana(text)) == fold_kana(text)


@settings(max_examples=300, deadline=None)
@given(st.text(ALPHABET, max_size=30))
def test_a_folded_text_is_left_as_it_is(text: str) -> None:
    """What the index holds (a folded reading) is never changed again by folding a query."""
    folded = fold_kana(text)
    assert fold_kana(folded) == folded
    assert reading_terms(folded) == reading_terms(fold_kana(folded))


def test_reading_terms_are_ngrams_of_each_run() -> None:
    assert reading_terms("ワスレタ、パス") == ["ワス", "スレ", "レタ", "ワスレ", "スレタ",
                                              "パス", "パス"][:5] + ["パス"]
    assert reading_terms("") == []
    assert reading_terms("a") == ["a"]


@pytest.mark.parametrize(("typed", "written"), [
    ("ぱすわーどをわすれた", "パスワードを忘れた"),
    ("きゃんせるしたい", "キャンセルしたい"),
    ("ﾛｸﾞｲﾝできない", "ログインできない"),
    ("もうしこみ", "申し込み"),
    ("申込", "申し込み"),
])
def test_a_query_reads_like_the_text_it_means(tokenizer: JapaneseTokenizer, typed: str,
                                              written: str) -> None:
    assert tokenizer.reading(typed) == tokenizer.reading(written)


def test_reading_keeps_numbers_and_latin_as_written(tokenizer: JapaneseTokenizer) -> None:
    assert tokenizer.reading("MRI-1004 のエラー") == "mri 1004 ノエラ"


def test_analysed_words_carry_their_reading(tokenizer: JapaneseTokenizer) -> None:
    spans = tokenizer.analyse("パスワードを忘れた")
    assert [(s.term, s.reading) for s in spans] == [("パスワード", "パスワド"),
                                                    ("忘れる", "ワスレ")]
