"""What the answer box says for a short question, on two case sets written from the sample KB's
pages: a customer who types only what a page is about (「郵送」, 「二段階認証」; data/
subject_answers.yaml) gets the page's opening, which says what the subject is, before the
section retrieval happened to match (every section matches such a question through the
title); a question that names one part of a page with many sections (「ロゴを入れたい」,
「郵送を取り消したい」; data/passage_answers.yaml) gets that part, not another section that
matched the question's verb or its general subject."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from kotae.app.api import create_app
from kotae.suggest.text import about_page, page_lead

DATA = Path(__file__).parent / "data"
CASES = yaml.safe_load((DATA / "subject_answers.yaml").read_text(encoding="utf-8"))
# 8 of 10 on the sample KB: 「インボイス制度に対応していますか」 now opens with the page's
# opening (the FAQ entry on tax per item answers its own question, not this one), but goes on
# with the page's own Q&A on tax per item, which the case forbids; 「CSV」 is handed off
# (confidence). Without the opening: 4 of 10.
FLOOR = 8
PASSAGE_CASES = yaml.safe_load((DATA / "passage_answers.yaml").read_text(encoding="utf-8"))
# 8 of 13: 「宛名を変えたい」 is answered from the payment page's Q&A on changing the payment
# method (its 変えたい matched; the page's sentence on the addressee is in another section);
# four are handed off (confidence below the threshold, the right page first for two of them).
# docs/benchmarks.md, "A bulleted item on one line".
PASSAGE_FLOOR = 8


@pytest.fixture(scope="module")
def client(sample_settings, sample_searcher):
    with TestClient(create_app(sample_settings.model_copy(update={"rate_limit_per_minute": 0}),
                               searcher=sample_searcher)) as c:
        yield c


def _passes(client: TestClient, case: dict) -> bool:
    body = client.post("/v1/deflect", json={"question": case["q"]}).json()
    answer = (body.get("answer_body") or body.get("answer") or "").split("\n\n詳しくは")[0]
    return body["action"] == "answer" \
        and all(any(x in answer for x in alt) for alt in case.get("must", [])) \
        and not any(x in answer for x in case.get("must_not", []))


def test_a_question_about_a_page_is_answered_with_what_the_subject_is(client):
    passed = [case["q"] for case in CASES if _passes(client, case)]
    assert len(passed) >= FLOOR, passed
    assert "郵送" in passed and "電子帳簿保存法" in passed


def test_a_pages_opening_and_what_only_says_what_the_page_covers():
    body = ("# 郵送代行を利用する\n郵送代行は、請求書を郵送するサービスです。このページでは、"
            "料金と手順をご案内します。\n\n## 料金\n1通180円です。\n")
    assert page_lead(body) == ("郵送代行は、請求書を郵送するサービスです。このページでは、"
                               "料金と手順をご案内します。")
    assert page_lead("## 料金\n1通180円です。") == ""
    assert about_page("このページでは、料金と手順をご案内します。")
    assert about_page("保存期間と、データを削除する方法についてご案内します。")
    assert about_page("This article explains how to regain access.")
    assert not about_page("郵送代行は、請求書を郵送するサービスです。")
    assert not about_page("担当者から改めてご連絡いたします。")


def test_a_question_on_one_part_of_a_page_is_answered_from_that_part(client):
    passed = [case["q"] for case in PASSAGE_CASES if _passes(client, case)]
    assert len(passed) >= PASSAGE_FLOOR, passed
    assert {"ロゴを入れたい", "郵送を取り消したい", "エクセルで開くと文字化けする"} <= set(passed)
