"""A tiny BEIR dataset (5 FAQ entries, 3 judged queries, 1 out of scope) made per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from kotae.eval import BeirDataset, write_beir

CORPUS = {
    "pw": ("パスワードを忘れました",
           "ログイン画面の「パスワードを忘れた方」から再設定メールを送れます。"),
    "inv": ("請求書を発行したい",
            "請求書メニューの「新規作成」から取引先と品目を入力して発行します。"),
    "pay": ("支払い方法を変えたい", "設定の「お支払い」でクレジットカードか口座振替を選べます。"),
    "2fa": ("二段階認証を設定したい",
            "セキュリティ設定で認証アプリを登録すると二段階認証が有効になります。"),
    "csv": ("取引先をCSVで取り込みたい",
            "取引先一覧の「インポート」からCSVファイルを選んで取り込みます。"),
}
QUERIES = {"q1": "パスワードを再設定する方法", "q2": "請求書の作り方を教えて",
           "q3": "カード払いに変更したい", "q4": "今日の天気はどうですか"}
QRELS = {"q1": {"pw": 1}, "q2": {"inv": 2}, "q3": {"pay": 1}}


@pytest.fixture
def tiny_beir(tmp_path: Path) -> Path:
    data = BeirDataset(corpus=dict(CORPUS), queries=dict(QUERIES),
                       qrels={q: dict(d) for q, d in QRELS.items()}, name="tiny")
    return write_beir(data, tmp_path / "tiny")
