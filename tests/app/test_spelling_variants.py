"""表記ゆれ end to end over HTTP (in-process) on the sample KB: however a customer types a
word (hiragana for katakana or kanji, half-width kana, other 送り仮名, a typo, a product name in
hiragana), the same article comes back, its words are highlighted, and typeahead follows."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kotae.app.api import create_app

PASSWORD_ARTICLE = "パスワードを再設定する"


@pytest.fixture(scope="module")
def client(sample_settings, sample_searcher):
    settings = sample_settings.model_copy(update={"rate_limit_per_minute": 0})
    with TestClient(create_app(settings, searcher=sample_searcher)) as c:
        yield c


def hits(client: TestClient, q: str, k: int = 5) -> list[dict]:
    response = client.get("/v1/search", params={"q": q, "k": k})
    assert response.status_code == 200, response.text
    return response.json()["hits"]


def test_katakana_typed_in_hiragana_finds_the_password_article(client):
    found = hits(client, "ぱすわーどをわすれた")
    assert "パスワード" in found[0]["title"]
    assert PASSWORD_ARTICLE in [h["title"] for h in found[:3]]
    assert [h["doc_id"] for h in found[:3]] == \
        [h["doc_id"] for h in hits(client, "パスワードを忘れた")[:3]]


@pytest.mark.parametrize(("typed", "written"), [
    ("ﾊﾟｽﾜｰﾄﾞを忘れた", "パスワードを忘れた"),  # half-width katakana
    ("ﾊﾞｯｸｱｯﾌﾟｺｰﾄﾞをなくした", "バックアップコードをなくした"),
    ("振り込み手数料は誰が負担しますか", "振込手数料は誰が負担しますか"),  # 送り仮名
    ("申込みをキャンセルしたい", "申し込みをキャンセルしたい"),
    pytest.param("引落しの日を知りたい", "引き落としの日を知りたい", marks=pytest.mark.xfail(
        strict=False, reason="the second ranking stage puts 会計ソフトと連携する first for the "
        "written form (プランと料金 for 引落し, as the first stage does for both): issue 15. "
        "Not strict: on some machines the embedder's floating point tips both to one article")),
    ("みらいせいきゅうのぷらんをへんこうしたい", "ミライ請求のプランを変更したい"),  # product
    ("にだんかいにんしょうをせっていしたい", "二段階認証を設定したい"),  # whole query in kana
    ("きゃんせるしたい", "キャンセルしたい"),
])
def test_other_spellings_find_what_the_written_query_finds(client, typed, written):
    assert hits(client, typed)[0]["doc_id"] == hits(client, written)[0]["doc_id"]


@pytest.mark.parametrize(("typo", "written"), [
    ("バックアップコートをなくした", "バックアップコードをなくした"),  # a neighbouring kana
    ("パスワドを忘れた", "パスワードを忘れた"),  # ー left out
    ("ダウンロドできない請求書", "ダウンロードできない請求書"),
    ("せきゅりてぃの設定を変えたい", "セキュリティの設定を変えたい"),
    ("電子帳保存法に対応していますか", "電子帳簿保存法に対応していますか"),  # a kanji left out
    ("取先を登録したい", "取引先を登録したい"),
    ("二段認証を設定したい", "二段階認証を設定したい"),
])
def test_a_typo_still_finds_the_article(client, typo, written):
    expected = hits(client, written)[0]["doc_id"]
    assert expected in [h["doc_id"] for h in hits(client, typo)[:3]]


def test_a_hiragana_query_highlights_the_katakana_word(client):
    hit = hits(client, "ぱすわーど")[0]
    marked = [hit["snippet"][b:e] for b, e in hit["highlights"]]
    assert "パスワード" in marked
    page = client.get("/help", params={"q": "ぱすわーどをわすれた"})
    assert "<mark>パスワード</mark>" in page.text


def test_typeahead_follows_the_same_spellings(client):
    def suggest(q: str) -> list[str]:
        response = client.get("/v1/typeahead", params={"q": q})
        assert response.status_code == 200
        return response.json()["suggestions"]

    written = suggest("パスワ")
    assert written and all("パスワ" in s for s in written)
    assert suggest("ぱすわ") == suggest("ﾊﾟｽﾜ") == written
    kanji = suggest("にだんかいにんしょう")  # typed in kana, suggested as the KB writes it
    assert kanji[0].startswith("二段階認証") and all("二段階認証" in s for s in kanji)
    assert suggest("ゆうそうだいこう")[:1] == ["郵送代行を利用する"]


def test_a_query_written_the_kbs_way_says_what_was_searched(client):
    def searched_as(q: str) -> str:
        response = client.get("/v1/search", params={"q": q, "k": 3})
        assert response.status_code == 200, response.text
        return response.json()["searched_as"]

    assert searched_as("取先を登録したい") == "取引先を登録したい"  # a kanji left out
    assert searched_as("ぱすわーどをわすれた") == "パスワードを忘れた"
    # what is searched as typed (half-width kana are only normalised) says nothing
    assert searched_as("取引先を登録したい") == searched_as("ﾊﾟｽﾜｰﾄﾞ") == ""
    page = client.get("/help", params={"q": "ぱすわーどをわすれた"}).text
    assert "「パスワードを忘れた」の検索結果を表示しています。" in page
    assert "の検索結果を表示しています" not in client.get(
        "/help", params={"q": "パスワードを忘れた"}).text
    english = client.get("/help", params={"q": "取先を登録したい", "lang": "en"}).text
    assert "Showing results for “取引先を登録したい”." in english
