"""Support of a sentence by a source: shared words, and every number must match."""

from __future__ import annotations

from kotae.suggest.replies.grounding import is_supported, support

SOURCE = "再設定リンクの有効期限は、メール送信から30分間です。リンクは1回のみ使用できます。"


def test_a_paraphrase_with_the_same_facts_is_supported(tokenizer):
    assert support("再設定リンクの有効期限は30分間です。", SOURCE, tokenizer) >= 0.8
    assert is_supported("リンクは1回のみ使用できます。", [SOURCE], tokenizer)


def test_a_changed_number_or_new_claim_is_not(tokenizer):
    assert support("再設定リンクの有効期限は15分間です。", SOURCE, tokenizer) == 0.0
    assert not is_supported("請求書はCSVで一括登録できます。", [SOURCE], tokenizer)
    assert not is_supported("The link is valid for 15 minutes.",
                            ["The link is valid for 30 minutes."], tokenizer)
