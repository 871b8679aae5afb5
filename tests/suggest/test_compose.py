"""Choosing an answer's sentences: whole lists, no fragments, no repeats, best source first."""

from __future__ import annotations

from kotae.suggest.compose.select import (
    Source,
    arrange,
    build_pool,
    rank_sources,
    score_sentences,
    select_sentences,
)
from kotae.suggest.replies.drafter import _quotable

STEPS = """パスワードを忘れた場合は、ログイン画面から再設定できます。
再設定は次の手順で行います。

1. ログイン画面で「パスワードをお忘れの方」をクリックします。
2. 登録メールアドレスを入力します。
3. 届いたメールのリンクから新しいパスワードを設定します。

上記で解決しない場合は、次の情報をお知らせください。

1. エラーコード
2. 日時

- [関連記事](https://example.invalid/x)
"""
OTHER = ("請求書はメニューの「新規作成」から作成できます。"
         "パスワード再設定メールは1時間に5回まで送れます。")


def _pick(tokenizer, query, texts):
    sources = [Source(f"d{i}", "manual", f"記事{i}", "", t, "ja", 1.0 - i * 0.1)
               for i, t in enumerate(texts)]
    pool = build_pool(sources, tokenizer, _quotable)
    terms = set(tokenizer.tokens(query))
    ranks = rank_sources(terms, sources, tokenizer)
    picked = select_sentences(score_sentences(terms, pool, sources), pool, ranks)
    return [[s.sentence for s in group] for group in arrange(picked)]


def test_a_numbered_list_comes_whole_with_its_introduction(tokenizer):
    groups = _pick(tokenizer, "パスワードを忘れたので再設定したい", [STEPS])
    texts = [s.text for s in groups[0]]
    assert "再設定は次の手順で行います。" in texts
    steps = [s.step for s in groups[0] if s.step is not None]
    assert steps == [1, 2, 3]
    # the list whose introduction points at "上記" is not quoted, nor is the bare link title
    assert "エラーコード" not in texts and "関連記事" not in texts
    assert not any("上記" in t for t in texts)


def test_sentences_keep_their_source_order_and_the_best_source_leads(tokenizer):
    groups = _pick(tokenizer, "パスワード再設定の手順", [STEPS, OTHER])
    assert groups[0][0].text.startswith("パスワードを忘れた場合")
    flat = [s.text for g in groups for s in g]
    assert "請求書はメニューの「新規作成」から作成できます。" not in flat  # unrelated


def test_near_duplicates_are_left_out(tokenizer):
    twice = "再設定メールは1時間に5回まで送信できます。\n再設定メールは1時間に5回まで送信できます。"
    groups = _pick(tokenizer, "再設定メールの送信回数", [twice])
    assert len([s for g in groups for s in g]) == 1


def test_nothing_relevant_gives_nothing(tokenizer):
    assert _pick(tokenizer, "おいしいラーメン屋", [STEPS, OTHER]) == []
