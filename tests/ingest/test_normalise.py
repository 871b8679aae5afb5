"""Text normalisation shared by ingestion and queries (kb.normalise)."""

from __future__ import annotations

from kotae.kb import normalise_query, normalise_text


def test_full_width_letters_and_digits_become_half_width() -> None:
    assert normalise_text("ＰＡＳＳＷＯＲＤ１２３") == "PASSWORD123"
    assert normalise_query("ＭＲＩ－１００４") == "MRI-1004"


def test_half_width_kana_becomes_full_width() -> None:
    assert normalise_text("ﾊﾟｽﾜｰﾄﾞｦ ﾜｽﾚﾀ") == "パスワードヲ ワスレタ"
    assert normalise_query("ｶﾞｲﾄﾞ") == "ガイド"


def test_whitespace_is_cleaned_but_paragraphs_kept() -> None:
    text = "  一行目　　です \r\n\r\n\r\n\r\n二行目\t\tです\r三行目\x00\x07 "
    assert normalise_text(text) == "一行目 です\n\n二行目 です\n三行目"


def test_query_is_one_line() -> None:
    assert normalise_query("  パスワード\nを　忘れた  ") == "パスワード を 忘れた"


def test_already_normal_text_is_unchanged() -> None:
    text = "パスワードを再設定する。\n\n手順は次のとおりです。"
    assert normalise_text(text) == text
    assert normalise_text(normalise_text("ＡＢＣ ｱｲｳ")) == normalise_text("ＡＢＣ ｱｲｳ")
