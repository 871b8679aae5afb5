"""The LLM drafter's parsing and grounding check (the server round trip is in
test_llm_server.py)."""

from __future__ import annotations

import pytest

from kotae.suggest import LLMConfig, LLMDrafter
from kotae.suggest.compose import Source
from kotae.suggest.replies.citations import CitationSet
from kotae.suggest.replies.prompt import parse_answer

SOURCES = [
    Source("d1", "faq", "パスワードを忘れた", "https://example.invalid/faq/1",
           "ログイン画面の「パスワードをお忘れの方」から再設定メールを送信できます。"
           "再設定リンクの有効期限は30分間です。", "ja", 1.0),
    Source("d2", "manual", "請求書", "", "請求書はメニューの「新規作成」から作成できます。", "ja",
           0.5),
]


def test_citations_are_parsed_per_sentence():
    parsed = parse_answer("再設定メールを送信できます[S1]。リンクは30分有効です。[S1][S2]\n"
                          "Open settings [S2]. Click save.")
    assert parsed == [("再設定メールを送信できます。", ["S1"]),
                      ("リンクは30分有効です。", ["S1", "S2"]),
                      ("Open settings.", ["S2"]), ("Click save.", [])]
    assert parse_answer("NO_ANSWER") == []


@pytest.mark.parametrize("mode", ["drop", "flag"])
def test_unsupported_or_uncited_sentences_are_dropped_or_flagged(tokenizer, mode):
    drafter = LLMDrafter(LLMConfig(base_url="http://127.0.0.1:9/v1", on_unsupported=mode),
                         tokenizer)
    cites = CitationSet(SOURCES)
    checked = drafter.check([
        ("再設定リンクの有効期限は30分間です。", ["S1"]),  # supported by S1
        ("再設定リンクの有効期限は15分間です。", ["S1"]),  # a changed number
        ("請求書は新規作成から作成できます。", ["S1"]),  # true, but not what S1 says
        ("請求書は新規作成から作成できます。", ["S7"]),  # an id that was never given
        ("パスワードをお忘れの方から再設定できます。", []),  # no citation at all
    ], SOURCES, cites)
    kept = [s for s in checked if s.supported]
    assert [s.text for s in kept] == ["再設定リンクの有効期限は30分間です。"]
    assert kept[0].citations == ["S1"]
    assert len(checked) == (1 if mode == "drop" else 5)
    [citation] = cites.citations()
    assert citation.doc_id == "d1" and citation.highlights  # the supporting sentence is marked


def test_config_is_validated():
    with pytest.raises(ValueError, match="http"):
        LLMConfig(base_url="localhost:8080")
    with pytest.raises(ValueError, match="on_unsupported"):
        LLMConfig(base_url="http://x/v1", on_unsupported="ignore")


class _Reply:
    """What a chat model returns (only ``content`` is read)."""

    def __init__(self, content: str) -> None:
        self.content = content


class _Model:
    """A stand-in for a remote LLM (none runs here): always says the same reply."""

    def __init__(self, content: str) -> None:
        self.content = content

    def invoke(self, messages: object) -> _Reply:
        return _Reply(self.content)


def test_llm_drafts_get_the_composers_guarantees(tokenizer):
    from kotae.suggest import DraftMode, DraftRequest, TicketIn

    past = Source("t1", "ticket", "TCK-1 領収書", "", "山田様の4月分の領収書は再発行済みです。"
                  "領収書は請求履歴からダウンロードできます。", "ja", 0.8, visibility="internal")
    reply = ("領収書は請求履歴からダウンロードできます。[S3]\n"
             "山田様の4月分の領収書は再発行済みです。[S3]\n"
             "再設定リンクの有効期限は30分間です。[S1]")
    drafter = LLMDrafter(LLMConfig(base_url="http://127.0.0.1:9/v1"), tokenizer,
                         model=_Model(reply))
    ticket = TicketIn("2点",
                      "①領収書はどこでもらえますか。\n②請求書を郵送で海外に送れますか。\n佐藤")
    draft = drafter.draft(DraftRequest(ticket, "ja", DraftMode.ANSWER, [*SOURCES, past]))
    assert draft.drafter == "llm" and draft.text.startswith("佐藤様")
    assert "山田様" not in draft.text and "領収書は請求履歴から" in draft.text
    assert draft.questions == ["①領収書はどこでもらえますか。", "②請求書を郵送で海外に送れますか。"]
    [named] = [s for s in draft.sentences if s.open_question]
    assert named.question == 1 and "海外に送れますか" in named.text


def test_an_llm_sentence_echoing_a_past_customers_words_is_unsupported(tokenizer):
    past = Source("t1", "ticket", "TCK-2 源泉徴収", "",
                  "請求書の作成画面で、イラストの制作料などの品目の「源泉徴収」にチェックを入れます。"
                  "合計欄に「差引ご請求金額」が表示されます。", "ja", 0.8, visibility="internal",
                  asked="フリーのイラストレーターです。源泉徴収税を差し引いた請求書を作れますか?")
    drafter = LLMDrafter(LLMConfig(base_url="http://127.0.0.1:9/v1"), tokenizer)
    checked = drafter.check([
        ("イラストの制作料などの品目の「源泉徴収」にチェックを入れます。", ["S1"]),
        ("合計欄に「差引ご請求金額」が表示されます。", ["S1"]),
    ], [past], CitationSet([past]), ticket="翻訳料の請求書に源泉徴収を入れたいです。")
    kept = [s.text for s in checked if s.supported]
    assert kept == ["合計欄に「差引ご請求金額」が表示されます。"]
