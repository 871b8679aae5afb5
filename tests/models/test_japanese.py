"""Japanese lexical tokens (SudachiPy): content words in normalised form, with offsets."""

from __future__ import annotations

import pytest

from kotae.models import JapaneseTokenizer


def test_particles_and_auxiliaries_are_dropped(tokenizer: JapaneseTokenizer) -> None:
    assert tokenizer.tokens("パスワードを忘れました") == ["パスワード", "忘れる"]
    tokens = tokenizer.tokens("請求書の作成ができません。")
    for particle in ("の", "が", "ます", "ん", "。"):
        assert particle not in tokens
    # Split mode A (the default) keeps short units: 請求書 → 請求 + 書.
    assert "請求" in tokens and "作成" in tokens


@pytest.mark.parametrize(("variant", "normal"), [
    ("口座から引落しされる", "引き落とし"),
    ("ログインできる", "出来る"),
    ("ﾊﾟｽﾜｰﾄﾞを忘れた", "パスワード"),
    ("パスワードをわすれた", "忘れる"),
])
def test_spelling_variants_fold_together(tokenizer: JapaneseTokenizer, variant: str,
                                         normal: str) -> None:
    assert normal in tokenizer.tokens(variant)


def test_variants_give_the_same_terms(tokenizer: JapaneseTokenizer) -> None:
    assert tokenizer.tokens("引落しができない") == tokenizer.tokens("引き落としができない")


@pytest.mark.parametrize(("one", "other"), [
    ("燃えないごみの日", "燃えないゴミの日"),
    ("サーバーに接続できない", "サーバに接続できない"),
    ("ｷｬﾝｾﾙしたい", "キャンセルしたい"),
])
def test_a_word_in_kana_is_one_term_in_either_script(tokenizer: JapaneseTokenizer, one: str,
                                                      other: str) -> None:
    assert tokenizer.tokens(one) == tokenizer.tokens(other)


def test_kana_folding_leaves_kanji_and_english_terms_as_they_are(
        tokenizer: JapaneseTokenizer) -> None:
    assert tokenizer.tokens("請求書をPDFで送る") == ["請求", "書", "pdf", "送る"]
    # folded terms are already in the index's form: analysing them again changes nothing
    for term in tokenizer.tokens("ごみとサーバーとキャンセル"):
        assert tokenizer.tokens(term) == [term]


def test_english_is_lowercased_and_stop_words_dropped(tokenizer: JapaneseTokenizer) -> None:
    tokens = tokenizer.tokens("I forgot my Password")
    assert "password" in tokens and "forgot" in tokens
    assert "i" not in tokens and "my" not in tokens


@pytest.mark.parametrize(("typed", "written"), [
    ("引っ越しの手続き", "転居届"),
    ("燃えるゴミの日", "ごみの出し方"),
    ("サインインできません", "ログインできない"),  # the whole word (mode C), not サイン + イン
    ("レシートが欲しい", "領収書の発行"),
    ("I forgot my password", "パスワードを忘れた"),  # Sudachi reads the English as the loanword
])
def test_synonyms_share_a_group(tokenizer: JapaneseTokenizer, typed: str, written: str) -> None:
    assert set(tokenizer.synonym_terms(typed)) & set(tokenizer.synonym_terms(written))


def test_synonym_terms_are_groups_of_content_words_only(tokenizer: JapaneseTokenizer) -> None:
    assert tokenizer.synonym_terms("をにはがのです。") == []
    assert tokenizer.synonym_terms("") == []
    terms = tokenizer.synonym_terms("キャンセルしたい")  # in two groups: 取り消し and 解約
    assert len(terms) == len(set(terms)) == 2
    assert set(terms) == set(tokenizer.synonym_terms("取り消し")) | set(
        tokenizer.synonym_terms("解約"))


@pytest.mark.parametrize("text", [
    "ﾊﾟｽﾜｰﾄﾞを忘れました。二段階認証の設定方法を教えてください",
    "請求書を 作成して、メールで送付する\n引落しの日付",
])
def test_analyse_offsets_slice_the_original_text(tokenizer: JapaneseTokenizer,
                                                 text: str) -> None:
    spans = tokenizer.analyse(text)
    assert spans
    for span in spans:
        assert 0 <= span.begin < span.end <= len(text)
        assert text[span.begin:span.end].strip() == text[span.begin:span.end]
    surfaces = [text[s.begin:s.end] for s in spans]
    assert "ﾊﾟｽﾜｰﾄﾞ" in surfaces or "請求" in surfaces
    assert [s.term for s in spans] == tokenizer.tokens(text)
    assert [s.begin for s in spans] == sorted(s.begin for s in spans)


def test_long_text_is_analysed_in_pieces_with_correct_offsets(
        tokenizer: JapaneseTokenizer) -> None:
    line = "請求書を作成してメールで送付します。\n"
    text = line * 600  # ~11k characters, above Sudachi's input limit in bytes
    spans = tokenizer.analyse(text)
    assert len([s for s in spans if s.term == "請求"]) == 600
    for span in spans:
        assert text[span.begin:span.end] in line


def test_empty_text(tokenizer: JapaneseTokenizer) -> None:
    assert tokenizer.tokens("") == []
    assert tokenizer.tokens("。、！") == []


def test_bad_split_mode() -> None:
    with pytest.raises(ValueError, match="'D'.*A, B, C"):
        JapaneseTokenizer(mode="D")
