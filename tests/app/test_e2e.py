"""End to end: the real `kotae serve` process on a free port, queried over HTTP."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_search_over_http(server):
    r = httpx.get(f"{server}/v1/search", params={"q": "請求書をPDFでダウンロードしたい", "k": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["hits"] and "PDF" in body["hits"][0]["title"]
    assert all(h["visibility"] == "public" for h in body["hits"])


def test_agent_key_over_http(server):
    r = httpx.get(f"{server}/v1/search", params={"q": "返金対応手順", "k": 5},
                  headers={"Authorization": "Bearer e2e-agent"})
    assert any(h["visibility"] == "internal" for h in r.json()["hits"])


def test_page_and_static_files_are_served(server):
    page = httpx.get(f"{server}/")
    assert page.status_code == 200 and 'name="q"' in page.text
    for ref in ("/static/search.js", "/static/session.js", "/static/style.css"):
        assert httpx.get(f"{server}{ref}").status_code == 200
