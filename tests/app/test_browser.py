"""The search page in a real browser (Debian's Chromium driven by Playwright) against the real
server: type a Japanese query, see the right article with the matched words highlighted."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e



@pytest.fixture(scope="module")
def page(server, browser):
    pg = browser.new_page(locale="ja-JP")
    yield pg
    pg.close()


def test_typing_a_japanese_query_shows_highlighted_results(server, page):
    page.goto(f"{server}/")
    page.fill("#q", "パスワードを忘れた")
    first = page.locator("li.result").first
    first.wait_for(timeout=15_000)
    assert "パスワード" in first.locator(".result-title").inner_text()
    marks = first.locator(".result-snippet mark").all_inner_texts()
    assert marks and all(m.strip() for m in marks)
    assert page.locator("li.result[data-visibility='internal']").count() == 0
    assert "q=" in page.url  # the search can be shared


def test_agent_key_in_the_page_reveals_internal_articles(server, page):
    page.goto(f"{server}/")
    page.click("#key-panel summary")
    page.fill("#api-key", "e2e-agent")
    page.click("#key-save")
    page.fill("#q", "返金対応手順 承認")
    page.locator("li.result[data-visibility='internal']").first.wait_for(timeout=15_000)
    assert page.locator(".badge-internal").count() >= 1
