"""Sentences of Markdown sources and language by script."""

from __future__ import annotations

from kotae.kb.text import detect_language
from kotae.suggest.text import (
    announced_section,
    may_announce,
    numbered_section,
    source_sentences,
)

ARTICLE = """パスワードは次の手順で変更できます。

1. 「個人設定」を開きます。
2. **「パスワードを変更」**をクリックします。続けて保存します。

- 10文字以上にしてください。

| コード | 意味 | 対処 |
| --- | --- | --- |
| MRI-1004 | リンクの有効期限切れ | もう一度送信してください |

[詳しくはこちら](https://example.invalid/a)
Click "Forgot your password?" on the sign-in page. Then check your inbox.
"""


def test_steps_bullets_rows_and_offsets():
    sentences = source_sentences(ARTICLE)
    texts = [s.text for s in sentences]
    assert texts[0] == "パスワードは次の手順で変更できます。"
    assert [s.step for s in sentences[1:4]] == [1, 2, 2]
    assert sentences[2].text == "「パスワードを変更」をクリックします。"  # emphasis removed
    assert sentences[3].continues and not sentences[2].continues
    assert sentences[4].bullet and sentences[4].text == "10文字以上にしてください。"
    row = next(s for s in sentences if s.row)
    assert row.text == "MRI-1004：リンクの有効期限切れ。もう一度送信してください。"
    assert "コード" not in texts[5]  # the header row is not a sentence
    for s in sentences:  # each sentence points back at where it is in the source
        assert s.text[:3] in ARTICLE[s.start:s.end].replace("**", "").replace("|", "").strip()


def test_quoted_question_marks_do_not_end_a_sentence():
    texts = [s.text for s in source_sentences(ARTICLE)]
    assert 'Click "Forgot your password?" on the sign-in page.' in texts
    assert "Then check your inbox." in texts
    assert "詳しくはこちら" in texts and not any(s.complete for s in source_sentences(
        "[詳しくはこちら](https://example.invalid/a)"))


def test_language_by_script():
    assert detect_language("請求書が届きません") == "ja"
    assert detect_language("請求書") == "ja"
    assert detect_language("My invoice did not arrive") == "en"
    assert detect_language("MRI-9000 エラー") == "ja"


NOTES_AND_QA = """> **注意**
> フリープランに移行すると、上限が適用されます。定期請求と銀行口座連携は停止します。
> - 引用の中の箇条書きです。

**Q. 会社のカードが変わったので、登録を変えたいです。**
A. 上記の手順で変更できます。変更の際に追加の料金はかかりません。
Q: Can I use it on an iPad? A: Yes, in the browser.
"""


def test_a_block_quote_is_prose_and_a_list_inside_it_a_list():
    sentences = {s.text: s for s in source_sentences(NOTES_AND_QA)}
    assert not sentences["定期請求と銀行口座連携は停止します。"].bullet
    assert not sentences["フリープランに移行すると、上限が適用されます。"].listed
    assert sentences["引用の中の箇条書きです。"].bullet


def test_the_question_of_a_qa_in_an_article_is_marked_asked_and_its_answer_is_not():
    sentences = {s.text: s for s in source_sentences(NOTES_AND_QA)}
    assert sentences["会社のカードが変わったので、登録を変えたいです。"].asked
    assert not sentences["上記の手順で変更できます。"].asked
    assert sentences["Q: Can I use it on an iPad?"].asked
    assert not sentences["A: Yes, in the browser."].asked


CHECKLIST = """再設定メールが届かない場合は、次の点をご確認ください。

### 1. 迷惑メールフォルダ

迷惑メールフォルダに振り分けられていないかご確認ください。受信許可リストへの追加もおすすめします。

### 2. 送信回数の上限

再設定メールの送信は1時間に5回までです。

> **ヒント**
> 会社のアドレスでは、外部からのメールが隔離されることがあります。

### 3. 入力したメールアドレス

登録していないアドレスにはメールは送信されません。

上記を確認しても届かない場合は、お問い合わせください。
"""


def test_numbered_sections_a_sentence_announces_are_its_list_items():
    sentences = source_sentences(CHECKLIST)
    steps = {s.text: (s.step, s.continues) for s in sentences}
    assert steps["再設定メールが届かない場合は、次の点をご確認ください。"] == (None, False)
    assert steps["迷惑メールフォルダに振り分けられていないかご確認ください。"] == (1, False)
    assert steps["受信許可リストへの追加もおすすめします。"] == (1, True)
    assert steps["再設定メールの送信は1時間に5回までです。"] == (2, False)
    assert steps["登録していないアドレスにはメールは送信されません。"] == (3, False)
    # a note in a block quote and the paragraph after the last section are not items
    assert steps["会社のアドレスでは、外部からのメールが隔離されることがあります。"][0] is None
    assert steps["上記を確認しても届かない場合は、お問い合わせください。"][0] is None


def test_numbered_sections_nobody_announces_stay_prose():
    unannounced = CHECKLIST.replace("次の点をご確認ください", "サポートが確認します")
    assert all(s.step is None for s in source_sentences(unannounced))
    long_section = CHECKLIST.replace("受信許可リストへの追加もおすすめします。",
                                     "一つ目です。二つ目です。三つ目です。")
    assert all(s.step is None for s in source_sentences(long_section))


def test_a_numbered_section_s_announced_list_is_the_section_above_it():
    text = ("# パスワード\n\n## 再設定メールが届かない場合\n\n" + CHECKLIST
            + "\n## 管理者にできること\n\n次へ。\n")
    wider = announced_section(text, "パスワード > 再設定メールが届かない場合 > 2. 送信回数の上限")
    assert wider is not None and wider.lstrip().startswith("再設定メールが届かない場合は、次の点")
    assert "### 3. 入力したメールアドレス" in wider and "管理者にできること" not in wider
    closed = text.replace("### 2. 送信回数の上限", "### 2. 送信回数の上限 ###")  # closed ATX
    assert announced_section(closed, "パスワード > 再設定メールが届かない場合 > 2. 送信回数の上限")
    assert numbered_section("記事 > 値引き・返品があった場合 > 方法1:同じ請求書に入れる")
    assert not numbered_section("記事 > 値引き・返品があった場合") and not numbered_section("")
    # a heading path it does not hold, or sections nothing announces: the passage stays as cut
    assert announced_section(text, "パスワード > 管理者にできること") is None
    unannounced = text.replace("次の点をご確認ください", "サポートが確認します")
    assert announced_section(unannounced, "パスワード > 再設定メールが届かない場合 > "
                                          "2. 送信回数の上限") is None


def test_the_lead_in_s_own_section_holds_the_sections_it_announces():
    text = ("# パスワード\n\n## 再設定メールが届かない場合\n\n" + CHECKLIST
            + "\n## 管理者にできること\n\n次へ。\n")
    own = "パスワード > 再設定メールが届かない場合"
    passage = "再設定メールが届かない場合は、次の点をご確認ください。"
    assert may_announce(own, passage) and not may_announce(own, "再設定できます。")
    wider = announced_section(text, own)
    assert wider is not None and "### 1. 迷惑メールフォルダ" in wider
    assert "### 3. 入力したメールアドレス" in wider and "管理者にできること" not in wider
    # a section that announces nothing, or a heading path the text does not hold
    assert announced_section(text, "パスワード > 管理者にできること") is None
    assert announced_section(text, "パスワード > ない見出し") is None


def test_sections_right_under_another_heading_are_not_announced_by_the_text_before_it():
    text = ("## 概要\n\n次の点をご確認ください。\n\n## 確認方法\n\n"
            "### 1. 一つ目\n\nAを確認します。\n\n"
            "### 2. 二つ目\n\nBを確認します。\n\n```\n# 1. コメント\n```\n")
    assert all(s.step is None for s in source_sentences(text))


def test_spaces_put_around_emphasis_in_japanese_go_with_the_marks():
    text = ("解約すると、契約期間の終了後に **フリープランへ移行** します。"
            "端数処理は **1つの請求書につき1回** 行います。\n"
            "Click **Save** now. 後に **Save** ボタン。")
    assert [s.text for s in source_sentences(text)] == [
        "解約すると、契約期間の終了後にフリープランへ移行します。",
        "端数処理は1つの請求書につき1回行います。", "Click Save now.", "後に Save ボタン。"]
