"""Escalation reasons and sentiment with the bundled rules, on realistic tickets."""

from __future__ import annotations

import pytest

from kotae.suggest import EscalationRules
from kotae.suggest.replies.escalation import decide_escalation
from kotae.suggest.replies.sentiment import score_sentiment


@pytest.fixture(scope="module")
def rules():
    return EscalationRules.load()


def reason(text, rules, confident=True):
    found = decide_escalation(text, score_sentiment(text, rules.sentiment), rules, confident)
    return found.reason if found else None


@pytest.mark.parametrize(("text", "expected"), [
    ("何度も問い合わせているのに解決しません。責任者を出してください。", "complaint"),
    ("請求書を保存すると「MRI-9000 システム内部でエラーが発生しました」と出ます。", "bug"),
    ("朝からログインできません。社内の他の人もダメです。障害ですか？", "outage"),
    ("カードに同じ月の利用料が2回引き落とされています。二重請求だと思います。", "billing_dispute"),
    ("今月で解約したいです。手続きを教えてください。", "cancellation"),
    ("申し込んだばかりの年額プランを返金してほしいです。", "refund"),
    ("当職は代理人弁護士です。記録の開示を求めます。", "legal"),
    ("監査ログに身に覚えのないログインがあります。不正アクセスでしょうか。", "security"),
    ("TCK-10045 で問い合わせた件がまだ解決していません。", "repeat"),
    ("Our production API key was leaked on GitHub. What should we do?", "security"),
    ("This is unacceptable. I want to speak to a manager.", "complaint"),
    ("パスワードの再設定方法を教えてください。", None),
    ("請求書のPDFにロゴを入れたいです。", None),
])
def test_reasons(text, expected, rules):
    assert reason(text, rules) == expected


def test_full_width_and_case_are_folded(rules):
    assert reason("ＭＲＩ－９０００が表示されます", rules) == "bug"


def test_low_confidence_only_when_nothing_else_matches(rules):
    assert reason("今日の天気を教えてください", rules, confident=False) == "low_confidence"
    assert reason("責任者を出してください", rules, confident=False) == "complaint"


def test_sentiment_labels(rules):
    lexicon = rules.sentiment
    assert score_sentiment("ふざけないでください。最悪です！！", lexicon).label == "angry"
    assert score_sentiment("請求書の作り方を教えてください。", lexicon).label == "neutral"
    assert score_sentiment("とても助かりました。感謝しています。", lexicon).label == "positive"
    angry = score_sentiment("ふざけないでください", lexicon)
    assert angry.score < 0 and "ふざけ" in angry.cues
