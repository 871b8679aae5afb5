"""Sentence-aware chunking: Japanese sentence ends, headings, size bound, overlap, no text lost."""

from __future__ import annotations

import pytest

from kotae.ingest import chunk_text, split_sentences

LONG_SECTION = "".join(f"手順{i}では設定画面の項目{i}を確認します。" for i in range(40))


def test_split_sentences_on_japanese_punctuation_and_line_breaks() -> None:
    text = ("ログインできません。パスワードを忘れました！どうすればいいですか？\n"
            "至急\n\n対応お願いします")
    assert split_sentences(text) == [
        "ログインできません。", "パスワードを忘れました！", "どうすればいいですか？", "至急",
        "対応お願いします",
    ]


def test_split_sentences_handles_english_and_keeps_decimals() -> None:
    assert split_sentences("Reset it. Then log in! Version 2.5 works? Yes") == [
        "Reset it.", "Then log in!", "Version 2.5 works?", "Yes",
    ]


def test_text_before_any_heading_goes_under_the_title() -> None:
    pieces = chunk_text("はじめに説明します。", title="パスワードを再設定する")
    assert [(p.heading, p.text) for p in pieces] == [
        ("パスワードを再設定する", "はじめに説明します。")]


def test_heading_path_is_carried_with_each_section() -> None:
    text = (
        "# パスワードを再設定する\n前書きです。\n"
        "## 手順\n画面を開きます。\n"
        "### 詳細\n細かい説明です。\n"
        "## 注意\n期限は30分です。\n"
    )
    pieces = chunk_text(text, title="パスワードを再設定する")
    assert [(p.heading, p.text) for p in pieces] == [
        ("パスワードを再設定する", "前書きです。"),
        ("パスワードを再設定する > 手順", "画面を開きます。"),
        ("パスワードを再設定する > 手順 > 詳細", "細かい説明です。"),
        ("パスワードを再設定する > 注意", "期限は30分です。"),
    ]


def test_heading_without_title() -> None:
    pieces = chunk_text("## 手順\n画面を開きます。", title="")
    assert [(p.heading, p.text) for p in pieces] == [("手順", "画面を開きます。")]


def test_empty_sections_make_no_chunks() -> None:
    pieces = chunk_text("# 題\n## 空の節\n## 節\n本文です。", title="題")
    assert [p.heading for p in pieces] == ["題 > 節"]
    assert chunk_text("", title="題") == []


def test_sections_that_only_link_elsewhere_make_no_chunks() -> None:
    text = (
        "# 請求書を送る\n請求書はメールで送れます。詳しくは[送信履歴](https://x.example/log)を"
        "ご覧ください。\n"
        "## 関連ページ\n- [郵送代行](https://x.example/post)\n* [インボイス制度](/qualified)\n"
        "1. <https://x.example/faq>\n"
        "## Related articles\n\nhttps://x.example/a\n- [Webhooks](https://x.example/hooks)\n"
    )
    pieces = chunk_text(text, title="請求書を送る")
    # a sentence with a link in it is content; a list of nothing but links is navigation
    assert [p.heading for p in pieces] == ["請求書を送る"]
    assert "送信履歴" in pieces[0].text


def test_a_page_of_nothing_but_links_is_still_chunked() -> None:
    pieces = chunk_text("# 目次\n- [設定](/a)\n- [請求](/b)\n", title="目次")
    assert [p.text for p in pieces] == ["- [設定](/a)\n- [請求](/b)"]


@pytest.mark.parametrize("max_chars", [50, 80, 200])
def test_chunks_respect_max_chars(max_chars: int) -> None:
    pieces = chunk_text(f"## 手順\n{LONG_SECTION}", title="設定", max_chars=max_chars,
                        overlap=20)
    assert len(pieces) > 1
    assert all(0 < len(p.text) <= max_chars for p in pieces)
    assert all(p.heading == "設定 > 手順" for p in pieces)


def test_a_sentence_longer_than_a_chunk_is_cut() -> None:
    sentence = "あ" * 130 + "。"
    pieces = chunk_text(sentence, max_chars=50, overlap=0)
    assert len(pieces) == 3
    assert all(len(p.text) <= 50 for p in pieces)
    assert "".join(p.text for p in pieces) == sentence


def test_consecutive_chunks_overlap_by_whole_trailing_sentences() -> None:
    overlap = 40
    pieces = chunk_text(LONG_SECTION, max_chars=100, overlap=overlap)
    assert len(pieces) > 2
    for before, after in zip(pieces, pieces[1:], strict=False):
        old, new = split_sentences(before.text), split_sentences(after.text)
        start = old.index(new[0])  # the next chunk starts inside the previous one...
        repeated = old[start:]
        assert new[:len(repeated)] == repeated  # ...with its trailing sentences, in order
        assert 0 < len("".join(repeated)) <= overlap


def test_no_overlap_means_no_repeated_sentence() -> None:
    pieces = chunk_text(LONG_SECTION, max_chars=100, overlap=0)
    chunked = [s for p in pieces for s in split_sentences(p.text)]
    assert chunked == split_sentences(LONG_SECTION)


def test_no_text_is_lost() -> None:
    text = (
        "# 請求書の作成\n請求書は「請求書」メニューから作成します。\n"
        "## 手順\n" + LONG_SECTION + "\n"
        "## English section\nOpen the invoice list. Click New! Is it saved? Yes.\n"
        "- 箇条書き一\n- 箇条書き二\n"
    )
    pieces = chunk_text(text, title="請求書の作成", max_chars=120, overlap=30)
    joined = "\n".join(p.text for p in pieces)
    body_lines = [line for line in text.split("\n") if line and not line.startswith("#")]
    for sentence in split_sentences("\n".join(body_lines)):
        assert sentence in joined, sentence


@pytest.mark.parametrize(("max_chars", "overlap", "message"), [
    (49, 0, "max_chars"),
    (100, 100, "overlap"),
    (100, -1, "overlap"),
])
def test_bad_arguments_raise_value_error(max_chars: int, overlap: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        chunk_text("本文です。", max_chars=max_chars, overlap=overlap)
