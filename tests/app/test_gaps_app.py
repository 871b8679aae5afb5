"""The FAQ-gap report from the outside: a real ``kotae serve`` on a small real KB with a query
log, its HTTP API with editor keys, ``kotae gaps`` on the command line, and the /content page
in a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from kotae.app.settings import Settings
from kotae.kb import Action, Channel, EventType, KBStore, QueryEvent, QueryLog
from kotae.knowledge_base import open_kb
from kotae.suggest.deflection.deflect import Deflector

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parents[1] / "suggest" / "data" / "gaps_kb"
KEYS = {"editor": "e2e-editor", "agent": "e2e-agent", "admin": "e2e-admin"}
QUESTIONS = ["請求書を米ドルで発行できますか？", "ドル建てで請求書を作成したい",
             "外貨建ての請求書は作れますか", "Can I issue invoices in US dollars?",
             "パスワードを忘れてしまいました"]


@pytest.fixture(scope="module")
def kb_home(tmp_path_factory, embedder) -> Path:
    """The small KB with the questions customers asked in its query log."""
    settings = Settings(home=tmp_path_factory.mktemp("gaps-app-kb"))
    open_kb(settings, embedder=embedder).ingest([DATA / "faq.csv", DATA / "tickets.jsonl"])
    log = QueryLog(KBStore.for_dir(settings.home))
    deflector = Deflector(open_kb(settings, embedder=embedder).searcher)
    for question in QUESTIONS:
        log.record(deflector.deflect(question).to_event(Channel.DEFLECT, EventType.DEFLECT))
    return settings.home


@pytest.fixture(scope="module")
def server(kb_home, serve_kb):
    with serve_kb(kb_home, ",".join(f"{r}:{k}" for r, k in KEYS.items())) as base:
        yield base


def get(server: str, path: str, role: str | None = "editor", **params) -> httpx.Response:
    headers = {"Authorization": f"Bearer {KEYS[role]}"} if role else {}
    return httpx.get(f"{server}{path}", params={"since": "all", **params}, headers=headers,
                     timeout=300)


def test_the_report_needs_an_editor_or_admin_key(server):
    assert get(server, "/v1/gaps", role=None).status_code == 401
    assert get(server, "/v1/gaps", role="agent").status_code == 403
    bad = httpx.get(f"{server}/v1/gaps", headers={"Authorization": "Bearer nope"}, timeout=30)
    assert bad.status_code == 401
    assert get(server, "/v1/gaps", role="admin").status_code == 200
    assert get(server, "/v1/gaps", since="soon").status_code == 422


def test_the_report_groups_the_unanswered_questions_with_a_proposal(server):
    response = get(server, "/v1/gaps", charts="true")
    assert response.status_code == 200, response.text
    report = response.json()
    (gap,) = [g for g in report["gaps"] if set(QUESTIONS[:4]) & set(g["representatives"])]
    assert gap["size"] >= 4 and gap["proposal"]["has_answer"]
    assert "日本円のみ" in gap["proposal"]["answer"]
    assert {c["ticket_id"] for c in gap["proposal"]["citations"]} <= {"T-001", "T-002"}
    assert not any("パスワード" in q for g in report["gaps"] for q in g["representatives"])
    assert len(report["duplicates"]) == 1
    assert set(report["charts"]) == {"gap_volume", "top_gaps", "rates"}
    assert all(uri.startswith("data:image/png;base64,") for uri in report["charts"].values())


def test_exports_in_csv_and_markdown(server):
    response = get(server, "/v1/gaps/export.csv")
    assert response.status_code == 200 and response.text.startswith("\ufeffrank,gap_id,label")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows and rows[0]["proposed_question"]
    assert get(server, "/v1/gaps/export.csv", table="duplicates").text.count("\n") == 2
    markdown = get(server, "/v1/gaps/export.md")
    assert markdown.status_code == 200 and "# FAQ ギャップレポート" in markdown.text


def test_accepting_a_proposal_makes_an_internal_draft(server):
    gap = get(server, "/v1/gaps").json()["gaps"][0]
    url = f"{server}/v1/gaps/{gap['id']}/accept"
    headers = {"Authorization": f"Bearer {KEYS['editor']}"}
    assert httpx.post(url, params={"since": "all"}, timeout=60).status_code == 401
    response = httpx.post(url, params={"since": "all"}, headers=headers, timeout=300,
                          json={"answer": "現在、請求書の通貨は日本円のみです。"})
    assert response.status_code == 201, response.text
    draft = response.json()
    assert (draft["status"], draft["visibility"]) == ("draft", "internal")
    assert draft["answer"] == "現在、請求書の通貨は日本円のみです。"
    again = get(server, "/v1/gaps").json()["gaps"]
    assert next(g for g in again if g["id"] == gap["id"])["draft_doc_id"] == draft["doc_id"]
    public = httpx.get(f"{server}/v1/search", params={"q": gap["proposal"]["question"]},
                       timeout=60).json()
    assert draft["doc_id"] not in [h["doc_id"] for h in public["hits"]]
    missing = httpx.post(f"{server}/v1/gaps/000000000000/accept", params={"since": "all"},
                         headers=headers, timeout=300)
    assert missing.status_code == 404


def test_kotae_gaps_writes_the_report_files(kb_home, tmp_path):
    out = tmp_path / "report"
    run = subprocess.run([sys.executable, "-m", "kotae.app", "gaps", "--kb", str(kb_home),
                          "--since", "all", "--out", str(out)], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "duplicates.csv", "gaps.csv", "gaps.html", "gaps.md", "stale.csv", "weeks.csv"]
    assert "data:image/png;base64," in (out / "gaps.html").read_text(encoding="utf-8")
    as_json = subprocess.run([sys.executable, "-m", "kotae.app", "gaps", "--kb", str(kb_home),
                              "--since", "all", "--json"], capture_output=True, text=True,
                             timeout=600)
    assert json.loads(as_json.stdout)["gaps"]


def test_the_content_page_shows_gaps_and_accepts_a_proposal(server, browser):
    page = browser.new_page(locale="ja-JP")
    page.goto(f"{server}/content")
    page.wait_for_function("document.querySelector('#status').textContent.includes('ログイン')")
    page.select_option("#since", "all")
    page.fill("#api-key", KEYS["editor"])
    page.click("#key-login")
    page.wait_for_selector("#session-who:not([hidden])", timeout=15_000)
    assert "（editor）としてログイン中" in page.locator("#who-text").inner_text()
    card = page.locator("article.gap").first
    card.wait_for(timeout=120_000)
    assert "件" in card.locator(".badge").first.inner_text()
    assert card.locator("textarea").input_value()  # the proposed answer, editable
    assert page.locator("#charts img").count() == 3
    assert page.locator("#duplicates li").count() == 1
    card.locator(".accept-button").click()
    page.wait_for_function(
        "document.querySelector('article.gap .accept-result').textContent.includes('登録')"
        " && !document.querySelector('article.gap .accept-result').textContent"
        ".includes('しています')", timeout=120_000)
    assert "下書き（社内限定）として登録しました" in card.locator(".accept-result").inner_text()
    page.click("#key-logout")
    page.wait_for_function("!document.querySelector('article.gap')", timeout=15_000)
    assert page.locator("#key-panel").get_attribute("open") is not None
    page.fill("#api-key", KEYS["agent"])
    page.click("#key-login")
    page.wait_for_function(
        "document.querySelector('#status').textContent"
        " === 'この操作には editor 以上の権限が必要です。'", timeout=60_000)
    page.close()


def test_the_content_page_reviews_search_suggestions(server, kb_home, browser):
    log = QueryLog(KBStore.for_dir(kb_home))
    for client in range(6):  # a question six customers asked and kotae answered
        log.record(QueryEvent(channel=Channel.HELP, event=EventType.SEARCH, query="請求書の発行",
                              language="ja", client=f"c{client}", action=Action.ANSWER))
    page = browser.new_page(locale="ja-JP")
    page.goto(f"{server}/content")
    page.fill("#api-key", KEYS["editor"])
    page.click("#key-login")
    popular = page.locator('#typeahead-popular li[data-phrase="請求書の発行"]')
    popular.wait_for(timeout=60_000)
    assert "6 人" in popular.inner_text() and "表示中" in popular.inner_text()
    popular.locator("button").click()  # 表示しない
    page.locator('#typeahead-blocked li[data-phrase="請求書の発行"]').wait_for(timeout=30_000)
    assert "編集者が非表示にしました" in page.locator(
        '#typeahead-popular li[data-phrase="請求書の発行"]').inner_text()
    page.fill("#allow-phrase", "請求書の発行方法")
    page.click("#allow-form button")
    page.locator('#typeahead-allowed li[data-phrase="請求書の発行方法"]').wait_for(timeout=30_000)
    got = httpx.get(f"{server}/v1/typeahead", params={"q": "請求書の"}, timeout=30).json()
    assert got["suggestions"][0] == "請求書の発行方法" and "請求書の発行" not in got["suggestions"]
    page.locator('#typeahead-blocked li[data-phrase="請求書の発行"] button').click()  # 解除
    page.wait_for_function("!document.querySelector("
                           "'#typeahead-blocked li[data-phrase=\"請求書の発行\"]')", timeout=30_000)
    page.close()


def test_the_content_page_reviews_phrasings_learnt_from_tickets(server, kb_home, browser):
    learnt = subprocess.run([sys.executable, "-m", "kotae.app", "learn", "--kb", str(kb_home),
                             "--source", "ticket", "--no-publish"], capture_output=True,
                            text=True, timeout=600,
                            env={**os.environ, "KOTAE_LEARN_AUTO_APPROVE": "{}"})
    assert learnt.returncode == 0, learnt.stderr
    assert "new candidates: 5" in learnt.stdout, learnt.stdout  # one per ticket with a reply
    queue = get(server, "/v1/phrasings").json()["items"]
    assert len(queue) == 5 and get(server, "/v1/phrasings", role="agent").status_code == 403
    page = browser.new_page(locale="ja-JP")
    page.goto(f"{server}/content")
    page.fill("#api-key", KEYS["editor"])
    page.click("#key-login")
    rows = page.locator("#phrasings li.phrasing")
    rows.first.wait_for(timeout=60_000)
    assert rows.count() == 5 and "過去の問い合わせ" in rows.first.inner_text()
    assert "承認待ち 5 件" in page.locator("#phrasings-summary").inner_text()
    first, second = queue[0], queue[1]
    page.locator(f'#phrasings li[data-id="{first["id"]}"] button', has_text="承認").first.click()
    page.wait_for_function("document.querySelectorAll('#phrasings li.phrasing').length === 4",
                           timeout=30_000)
    row = page.locator(f'#phrasings li[data-id="{second["id"]}"]')
    row.locator("button", has_text="移動して承認").click()  # no document id given yet
    assert "文書IDを入力" in page.locator("#phrasings-status").inner_text()
    row.locator("input.move-target").fill("no-such-document")
    row.locator("button", has_text="移動して承認").click()
    page.wait_for_function("document.querySelector('#phrasings-status').textContent"
                           ".includes('見つかりませんでした')", timeout=30_000)
    row.locator("button", has_text="却下").click()
    page.wait_for_function("document.querySelectorAll('#phrasings li.phrasing').length === 3",
                           timeout=30_000)
    # The move target is found by typing words of its title: the options are the articles and
    # FAQ entries the search finds (never a past ticket), each titled, valued by its id.
    third = queue[2]
    row = page.locator(f'#phrasings li[data-id="{third["id"]}"]')
    row.locator("input.move-target").fill("請求書")
    options = row.locator("datalist option")
    options.first.wait_for(state="attached", timeout=30_000)
    offered = [(o.get_attribute("value"), o.get_attribute("label")) for o in options.all()]
    hits = get(server, "/v1/search", q="請求書", k=8).json()["hits"]
    kinds = {"faq": "FAQ", "manual": "マニュアル"}
    assert offered == [(h["doc_id"], f'{h["title"]}（{kinds[h["kind"]]}）')
                       for h in hits if h["kind"] != "ticket"]
    picked = offered[-1][0]  # the editor picks one: its id becomes the input's value
    row.locator("input.move-target").fill(picked)
    row.locator("button", has_text="移動して承認").click()
    page.wait_for_function("document.querySelectorAll('#phrasings li.phrasing').length === 2",
                           timeout=30_000)
    page.click("#phrasings-publish")
    page.wait_for_function("document.querySelector('#phrasings-status').textContent"
                           ".includes('公開しました')", timeout=120_000)
    decided = {p["id"]: p["status"] for s in ("approved", "rejected")
               for p in get(server, "/v1/phrasings", status=s).json()["items"]}
    assert decided == {first["id"]: "approved", second["id"]: "rejected",
                       third["id"]: "approved"}
    moved = next(p for p in get(server, "/v1/phrasings", status="approved").json()["items"]
                 if p["id"] == third["id"])
    assert moved["doc_id"] == picked
    # What learning changed: learnt this week, so there is no week after it to compare yet.
    learning = get(server, "/v1/gaps", since="all", min_size=1).json()["learning"]
    assert learning["learnt"] == 2 and learning["after"] is None and learning["clear"] is None
    page.click("#refresh")
    page.wait_for_function("document.querySelector('#learning-effect').textContent"
                           ".includes('言い回しを 2 件学習しました')", timeout=120_000)
    assert "前後を比べられる週はまだありません" in page.locator("#learning-effect").inner_text()
    page.close()
