"""The help center in a real browser (Debian's Chromium driven by Playwright) against the real
`kotae serve`: type a Japanese query, see the right article highlighted, vote, and find the vote
in the query log; then the same page without JavaScript, and at a phone's width."""

from __future__ import annotations

import pytest

from kotae.kb import QueryLog

pytestmark = pytest.mark.e2e

QUERY = "パスワードを忘れた"


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP")
    yield context.new_page()
    context.close()


def test_type_see_the_article_highlighted_and_vote(server, page, sample_settings):
    page.goto(f"{server}/help")
    assert page.get_attribute("html", "lang") == "ja"
    page.locator("#q").press_sequentially(QUERY, delay=30)
    first = page.locator("li.result").first
    first.wait_for(timeout=15_000)
    page.wait_for_function(
        "q => document.querySelector('.help-results-inner')?.dataset.query === q", arg=QUERY)
    first = page.locator("li.result").first
    assert "パスワード" in first.locator(".result-title").inner_text()
    marks = page.locator("li.result mark").all_inner_texts()
    assert marks and all(m.strip() for m in marks)
    assert f"q={QUERY}" in page.url or "q=%E3%83%91" in page.url  # shareable address
    event_id = page.locator(".help-results-inner").get_attribute("data-event-id")

    page.locator("form[data-feedback] button.feedback-yes").first.click()
    page.get_by_text("ご回答ありがとうございました。").wait_for(timeout=10_000)
    log = QueryLog.for_dir(sample_settings.home)
    event = log.get(event_id)
    assert event is not None and event.query == QUERY and event.helpful is True
    assert event.outcome == "helpful" and event.session_id
    # Only the search the customer settled on stays in the log, not every keystroke.
    typed = [e for e in log.events(limit=200) if e.session_id == event.session_id
             and e.query != QUERY and QUERY.startswith(e.query)]
    assert typed == []


def test_keyboard_reaches_results_and_the_article_opens(server, page, sample_settings):
    page.goto(f"{server}/help?q={QUERY}")
    page.locator("#q").focus()
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.className")
    assert "result-link" in focused or "answer-source" in focused
    page.keyboard.press("Enter")
    page.locator("h1.article-title").wait_for(timeout=10_000)
    assert "/help/articles/" in page.url
    page.locator("form[data-feedback] button.feedback-no").click()
    contact = page.locator("a.feedback-contact")
    contact.wait_for(timeout=10_000)
    contact.click()
    page.locator("textarea#body").wait_for(timeout=10_000)
    assert page.locator("textarea#body").input_value() == QUERY


def test_without_javascript_search_and_vote_still_work(server, browser, sample_settings):
    context = browser.new_context(java_script_enabled=False, locale="ja-JP")
    page = context.new_page()
    page.goto(f"{server}/help")
    page.fill("#q", "請求書をPDFでダウンロードしたい")
    page.click("button.search-button")
    page.locator("li.result").first.wait_for(timeout=15_000)
    assert "PDF" in page.locator("li.result .result-title").first.inner_text()
    page.locator("form[data-feedback] button.feedback-no").first.click()
    page.locator("textarea#body").wait_for(timeout=10_000)
    assert page.locator("textarea#body").input_value() == "請求書をPDFでダウンロードしたい"
    page.click("button.contact-send")
    assert "受付番号は" in page.locator("p.page-lead").inner_text()
    context.close()


def test_phone_width_english_and_labels(server, browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="en-US",
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{server}/help?q=password")
    page.locator("li.result").first.wait_for(timeout=15_000)
    assert page.get_attribute("html", "lang") == "en"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator("label[for=q]").inner_text() == "Your question or keywords"
    button = page.locator("button.search-button").bounding_box()
    assert button and button["height"] >= 44  # a finger-sized target
    context.close()
