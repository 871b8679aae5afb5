"""The search page in a real browser (Debian's Chromium driven by Playwright) against the real
server: type a Japanese query, see the right article with the matched words highlighted; log in
with an agent key to see internal articles."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

AGENT_KEY = "e2e-agent"  # the `server` fixture's KOTAE_API_KEYS


@pytest.fixture(scope="module")
def page(server, browser):
    pg = browser.new_page(locale="ja-JP")
    yield pg
    pg.close()


@pytest.fixture
def context(browser):
    """A browser context of its own (cookies, storage) for a test that logs in."""
    ctx = browser.new_context(locale="ja-JP")
    yield ctx
    ctx.close()


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


def test_logging_in_reveals_internal_articles_and_keeps_no_key(server, context):
    page = context.new_page()
    page.goto(f"{server}/")
    page.evaluate("localStorage.setItem('kotae.apiKey', 'old-key')")  # from before logging in
    page.reload()
    page.wait_for_selector("#role-status[data-role='public']")
    assert page.evaluate("localStorage.getItem('kotae.apiKey')") is None
    assert page.locator("#kind option[value='ticket']").is_disabled()

    page.click("#key-panel summary")
    page.fill("#api-key", AGENT_KEY)
    page.click("#key-login")
    page.wait_for_selector("#role-status[data-role='agent']", timeout=15_000)
    assert "としてログイン中" in page.inner_text("#who-text")
    assert "（agent）" in page.inner_text("#who-text")
    assert page.input_value("#api-key") == ""
    assert page.locator("#kind option[value='ticket']").is_enabled()
    # Logged in by an HttpOnly cookie: scripts see neither the key nor the session.
    stored = page.evaluate("Object.keys(localStorage).map(k => k + '=' + localStorage.getItem(k))")
    assert not any(AGENT_KEY in item or "apiKey" in item for item in stored)
    assert "kotae_session" not in page.evaluate("document.cookie")
    (cookie,) = [c for c in context.cookies() if c["name"] == "kotae_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert AGENT_KEY not in cookie["value"]

    page.fill("#q", "返金対応手順 承認")
    page.locator("li.result[data-visibility='internal']").first.wait_for(timeout=15_000)
    assert page.locator(".badge-internal").count() >= 1

    page.click("#key-logout")
    page.wait_for_selector("#role-status[data-role='public']", timeout=15_000)
    assert page.locator("#session-who").is_hidden()
    assert page.evaluate("fetch('v1/session').then(r => r.json())")["role"] == "public"
    assert page.locator("#kind option[value='ticket']").is_disabled()
    page.wait_for_function("document.querySelectorAll('li.result').length > 0"
                           " && !document.querySelector(\"li.result[data-visibility='internal']\")",
                           timeout=15_000)


def test_a_refused_login_stays_shown_when_the_page_load_is_answered_late(server, context):
    """On a slow network the page load's "who is logged in?" can be answered after a refused
    login (found by CI): that late answer must not wipe out the refusal."""
    page = context.new_page()
    held = []

    def hold_the_first_question(route):
        if route.request.method == "GET" and not held:
            held.append(route)  # answered only after the login below was refused
        else:
            route.continue_()

    page.route("**/v1/session", hold_the_first_question)
    page.goto(f"{server}/")
    page.click("#key-panel summary")
    page.fill("#api-key", "not-a-key")
    page.click("#key-login")
    page.wait_for_selector("#role-status[data-role='invalid']", timeout=15_000)
    assert held, "the page asked who is logged in"
    with page.expect_response(lambda r: r.url.endswith("/v1/session")
                              and r.request.method == "GET"):
        held[0].continue_()
    page.evaluate("() => new Promise(done => setTimeout(done, 50))")  # its handlers have run
    assert page.get_attribute("#role-status", "data-role") == "invalid"
    assert page.inner_text("#key-error") == "APIキーが正しくないか、無効になっています。"
    page.close()


def test_a_wrong_key_is_refused_politely(server, context):
    page = context.new_page()
    page.goto(f"{server}/")
    page.click("#key-panel summary")
    page.fill("#api-key", "not-a-key")
    page.click("#key-login")
    page.wait_for_selector("#key-error:not([hidden])", timeout=15_000)
    assert page.inner_text("#key-error") == "APIキーが正しくないか、無効になっています。"
    assert page.get_attribute("#role-status", "data-role") == "invalid"
    assert page.input_value("#api-key") == ""
    assert page.locator("#session-who").is_hidden()
