"""The polite frame and the rendered text of a draft."""

from __future__ import annotations

from kotae.suggest.replies.render import assemble
from kotae.suggest.replies.types import DraftMode, DraftSentence, Part


def answer(text, label="S1", step=None, bullet=False):
    return DraftSentence(text, Part.ANSWER, [label], step=step, bullet=bullet)


def test_japanese_frame_with_numbered_steps():
    draft = assemble("パスワードを忘れた", "ja", "neutral", DraftMode.ANSWER, [
        answer("次の手順で再設定できます。"), answer("画面を開きます。", step=1),
        answer("ボタンを押します。", step=2), answer("保存します。", step=2),
        answer("完了です。", step=3), answer("リンクは30分有効です。", "S2")], [], "grounded")
    lines = draft.text.splitlines()
    assert lines[0] == "お問い合わせいただき、ありがとうございます。"
    assert lines[1] == "「パスワードを忘れた」の件について、ご案内いたします。"
    assert "1. 画面を開きます。" in lines
    assert "2. ボタンを押します。保存します。" in lines  # a step's second sentence stays on it
    assert "3. 完了です。" in lines
    assert lines[-2] == "ご不明な点がございましたら、お気軽にお問い合わせください。"
    assert "リンクは30分有効です。" in lines
    assert [s.part for s in draft.sentences].count(Part.OPENING) == 2


def test_a_table_inside_the_steps_keeps_their_count():
    table = [DraftSentence(line, Part.ANSWER, ["S1"], table=True)
             for line in ("| 項目 | 説明 |", "|---|---|", "| 作成日 | 1日〜28日 |")]
    draft = assemble("定期請求", "ja", "neutral", DraftMode.ANSWER, [
        answer("画面を開きます。", step=1), answer("次の項目を設定します。", step=2), *table,
        answer("保存します。", step=3)], [], "grounded")
    lines = draft.text.splitlines()
    at = lines.index("2. 次の項目を設定します。")
    assert lines[at + 1:at + 5] == ["| 項目 | 説明 |", "|---|---|", "| 作成日 | 1日〜28日 |",
                                    "3. 保存します。"]


def test_upset_customers_get_an_apology_and_english_stays_english():
    draft = assemble("Invoice missing", "en", "angry", DraftMode.INVESTIGATE,
                     [DraftSentence("Our team will look into it.", Part.ANSWER)], [], "grounded")
    assert draft.text.startswith("Thank you for contacting us.\nWe are sorry")
    assert "Best regards," in draft.text
    assert not any("\u3040" <= ch <= "\u30ff" for ch in draft.text)


def test_clarifying_options_are_bulleted():
    draft = assemble("請求書", "ja", "neutral", DraftMode.CLARIFY, [
        DraftSentence("どちらに近いでしょうか。", Part.ANSWER),
        answer("請求書を作成する", bullet=True), answer("請求書を送る", "S2", bullet=True)],
        [], "grounded")
    assert "・請求書を作成する\n・請求書を送る" in draft.text


def test_a_bulleted_items_later_sentence_stays_on_its_line():
    draft = assemble("定期請求", "ja", "neutral", DraftMode.ANSWER, [
        answer("次の操作ができます。"), answer("編集:内容を変更します。", bullet=True),
        DraftSentence("変更は次回から反映されます。", Part.ANSWER, ["S1"], bullet=True,
                      joined=True),
        answer("終了:作成を停止します。", bullet=True)], [], "grounded")
    assert "・編集:内容を変更します。変更は次回から反映されます。\n・終了:作成を停止します。" \
        in draft.text
