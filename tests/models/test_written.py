"""The KB's spellings by reading: hiragana typed for a word → the way the KB writes it."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kotae.models import JapaneseTokenizer
from kotae.models.written import WrittenForms

SAMPLE_KB = Path(__file__).resolve().parents[2] / "kb" / "sample_kb"
TEXTS = ["パスワードを忘れた場合は、ログイン画面から再設定できます。",
         "住民票の写しは市役所の窓口で申請してください。",
         "請求書を作成して、取引先にメールで送付します。キャンセルもできます。",
         "ミライ請求のプランを変更したい。",
         "市民体育館の予約は、体育館の窓口でも受け付けます。年金課は2階です。年金の相談もどうぞ。",
         "年金課の窓口は平日のみです。体育館は月曜休館です。電子帳簿保存法に対応しています。"]


@pytest.fixture(scope="module")
def forms(tokenizer: JapaneseTokenizer) -> WrittenForms:
    return tokenizer.learn_spellings(TEXTS)


def test_hiragana_words_are_written_the_kbs_way(forms: WrittenForms) -> None:
    assert forms.convert("ぱすわーどをわすれた") == "パスワードを忘れた"
    assert forms.convert("じゅうみんひょうのしんせい") == "住民票の申請"
    assert forms.convert("みらいせいきゅうのぷらん") == "ミライ請求のプラン"
    assert forms.convert("きゃんせるしたい") == "キャンセルしたい"


def test_a_kanji_compound_is_written_whole(forms: WrittenForms) -> None:
    # Sudachi reads 市役所 as 市 + 役所: the KB's compound is learnt whole, so the reading
    # しやくしょ is not split into other words
    assert forms.convert("しやくしょのまどぐち") == "市役所の窓口"


def test_loanwords_the_kb_never_uses_are_written_in_katakana(forms: WrittenForms) -> None:
    assert forms.convert("しんぐるまざーの支援") == "シングルマザーの支援"
    assert forms.convert("防災まっぷはありますか") == "防災マップはありますか"  # after a kanji
    assert forms.convert("しろありがでた") == "シロアリがでた"  # no mark, but words of their own
    # Japanese typed in hiragana stays: endings, particles, words written in hiragana
    for text in ("どうすればいいですか", "ごみの日", "してもらえるのでしょうか",
                 "ている", "ときは", "あるのですが"):
        assert forms.convert(text) == text


def test_a_loanword_the_kb_writes_in_hiragana_stays(tokenizer: JapaneseTokenizer) -> None:
    forms = tokenizer.learn_spellings([*TEXTS, "防災まっぷを配ります。"])
    assert forms.convert("防災まっぷはありますか") == "防災まっぷはありますか"


def test_text_written_the_kbs_way_is_left_as_it_is(forms: WrittenForms) -> None:
    for text in TEXTS:
        assert forms.convert(text) == text


def test_the_sample_kbs_own_sentences_come_back_unchanged(tokenizer: JapaneseTokenizer) -> None:
    """Text in the index's form is never rewritten: every sentence of the sample KB's public
    articles and FAQ (about 2,500, with their loanwords, compounds and hiragana words)."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((SAMPLE_KB / "manuals").glob("*.md"))]
    with open(SAMPLE_KB / "faq.csv", encoding="utf-8") as fh:
        texts += [f"{row['question']}\n{row['answer']}" for row in csv.DictReader(fh)
                  if row["visibility"] == "public"]
    forms = tokenizer.learn_spellings(texts)
    sentences = [s for text in texts for s in re.split(r"[。\n]", text) if s.strip()]
    assert len(sentences) > 2000
    assert [s for s in sentences if forms.convert(s) != s] == []


def test_a_kanji_left_out_of_a_compound_is_put_back(forms: WrittenForms) -> None:
    assert forms.convert("育館の予約") == "体育館の予約"
    assert forms.convert("金課は何階ですか") == "年金課は何階ですか"
    # runs and words the KB writes stay (年金 of 年金課, 体育 of 体育館, 窓口), a lone kanji
    # stays, and so does a run near nothing the KB writes in two texts (電子帳簿保存法: one)
    for text in ("年金の相談", "体育の日", "窓口", "館の予約", "電子帳保存法"):
        assert forms.convert(text) == text


def test_saved_and_loaded(forms: WrittenForms, tmp_path: Path) -> None:
    forms.save(tmp_path / "written.json")
    again = WrittenForms.load(tmp_path / "written.json")
    assert again.forms == forms.forms and again.kanji == forms.kanji
    assert again.convert("ぱすわーど") == "パスワード"
    assert again.convert("育館") == "体育館"


def test_spellings_saved_before_the_kanji_runs_still_load(forms: WrittenForms,
                                                          tmp_path: Path) -> None:
    (tmp_path / "written.json").write_text(json.dumps(forms.forms, ensure_ascii=False),
                                           encoding="utf-8")
    older = WrittenForms.load(tmp_path / "written.json")
    assert older.convert("ぱすわーど") == "パスワード"
    assert older.convert("育館") == "育館"  # nothing to correct it by until the next ingest


def test_an_empty_kb_changes_nothing() -> None:
    assert WrittenForms.build([]).convert("ぱすわーどをわすれた") == "ぱすわーどをわすれた"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["ぱすわーど", "を", "わすれた", "じゅうみん", "ひょう", "の",
                                 "しんせい", "きゃんせる", "した", "い", "ます", "ー", "パスワード",
                                 "申請", "市", "ない", "育", "館", "体育館", "年金", "課"]),
                max_size=8).map("".join))
def test_converting_twice_changes_nothing_more(forms: WrittenForms, text: str) -> None:
    once = forms.convert(text)
    assert forms.convert(once) == once



def test_katakana_variants_and_slips_are_written_the_kbs_way(forms: WrittenForms) -> None:
    assert forms.convert("キヤンセル") == "キャンセル"  # small kana typed full size
    assert forms.convert("ミライ請求のプラソ") == "ミライ請求のプラソ"  # too short to correct
    assert forms.convert("ログインガメン") == "ログインガメン"  # nothing near enough
    assert forms.convert("キャンセフしたい") == "キャンセルしたい"  # one kana slipped
