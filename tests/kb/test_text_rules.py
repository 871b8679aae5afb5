"""Language detection by script (reliable on short queries) and sentence ends, shared by
ingestion and drafting."""

from __future__ import annotations

import pytest

from kotae.kb.text import detect_language, reply_language, split_sentences


@pytest.mark.parametrize("text", [
    "パスワードを忘れた",
    "ログインできない",
    "請求書発行",  # all kanji, short: read as Japanese
    "API キーの発行",
    "SSO ログイン",
    "How do I 請求書を作る?",
    "ﾊﾟｽﾜｰﾄﾞ",
])
def test_japanese(text: str) -> None:
    assert detect_language(text) == "ja"


@pytest.mark.parametrize("text", [
    "I forgot my password",
    "reset password",
    "SSO",
    "invoice PDF",
])
def test_english(text: str) -> None:
    assert detect_language(text) == "en"


def test_other_scripts() -> None:
    assert detect_language("비밀번호를 잊어버렸어요") == "ko"
    assert detect_language("我忘记了我的密码，请帮我重新设置一下账户的登录信息") == "zh"


def test_default_when_no_letters() -> None:
    assert detect_language("12345 !!!") == "en"
    assert detect_language("", default="ja") == "ja"


def test_replies_are_japanese_or_english():
    assert reply_language("請求書 PDF") == "ja"
    assert reply_language("我忘记了我的密码，请帮我重新设置一下账户的登录信息") == "ja"
    assert reply_language("비밀번호를 잊어버렸어요") == "en"
    assert reply_language("I need my 請求書 as a PDF, please") == "en"


def test_a_quoted_question_stays_in_its_sentence():
    assert split_sentences("「届きますか？」と聞かれました。Next! Done. 1. Open") == [
        "「届きますか？」と聞かれました。", "Next!", "Done.", "1. Open"]
