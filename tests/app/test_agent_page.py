"""The agent console in a real browser (Debian's Chromium driven by Playwright) against the
real server: paste a ticket, see the draft, citations, triage and escalation, record the outcome."""

from __future__ import annotations

import pytest

from kotae.kb import KBStore
from kotae.kb.feedback import FeedbackStore

pytestmark = pytest.mark.e2e



@pytest.fixture(scope="module")
def page(server, browser):
    pg = browser.new_page(locale="ja-JP")
    pg.goto(f"{server}/agent")
    pg.fill("#api-key", "e2e-agent")
    pg.click("#key-login")
    pg.wait_for_selector("#session-who:not([hidden])", timeout=15_000)
    assert "としてログイン中" in pg.inner_text("#who-text")
    yield pg
    pg.close()


def _ask(page, subject: str, body: str) -> None:
    page.fill("#subject", subject)
    page.fill("#body", body)
    page.click("#suggest-button")
    page.wait_for_function("document.querySelector('#status').textContent.includes('作成しました')",
                           timeout=30_000)


def test_a_how_to_ticket_shows_a_cited_draft(server, page):
    _ask(page, "パスワードを忘れました", "再設定の方法を教えてください。")
    draft = page.input_value("#draft")
    assert draft.startswith("お問い合わせいただき") and "ご不明な点" in draft
    assert page.locator("#escalation").is_hidden()
    first = page.locator("#citations li.citation").first
    assert "パスワード" in first.locator(".citation-title").inner_text()
    assert first.locator(".citation-snippet mark").count() >= 1
    assert page.locator("#triage .chip").count() == 3
    assert page.locator("#similar li details").count() >= 1


def test_a_complaint_shows_the_escalation_banner(server, page):
    _ask(page, "対応に納得できません",
         "何度も問い合わせているのに解決しません。責任者を出してください。")
    banner = page.locator("#escalation")
    assert banner.is_visible() and banner.get_attribute("data-reason") == "complaint"
    assert "SV" in page.locator("#escalation-message").inner_text()


def test_editing_and_recording_the_outcome(server, page, sample_settings):
    _ask(page, "請求書のロゴ", "請求書にロゴを入れるにはどうすればいいですか。")
    page.fill("#draft", page.input_value("#draft") + "\n担当: 佐藤")
    page.locator("#citations .keep").first.uncheck()
    page.click("#edited-button")
    page.wait_for_selector("#outcome-status[data-outcome='edited']", timeout=15_000)
    assert "記録しました" in page.inner_text("#outcome-status")
    outcomes = FeedbackStore(KBStore.for_dir(sample_settings.home)).outcomes()
    last = outcomes[-1]
    assert last.outcome == "edited" and last.final_text.endswith("担当: 佐藤")
    assert last.edit_distance == len("\n担当: 佐藤")
