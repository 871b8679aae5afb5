"""The HTTP API through FastAPI's test client, on the shared sample KB."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kotae.app.api import create_app

AGENT = {"Authorization": "Bearer test-agent-key"}


@pytest.fixture(scope="module")
def client(sample_settings, sample_searcher):
    with TestClient(create_app(sample_settings, searcher=sample_searcher)) as c:
        yield c


def test_public_search_returns_the_stable_shape(client):
    body = client.get("/v1/search", params={"q": "パスワードを忘れた", "k": 3}).json()
    assert body["query"] == "パスワードを忘れた"
    assert 0.0 <= body["confidence"] <= 1.0
    assert 1 <= len(body["hits"]) <= 3
    hit = body["hits"][0]
    for key in ("doc_id", "chunk_id", "title", "snippet", "url", "kind", "visibility",
                "language", "score", "scores"):
        assert key in hit
    assert set(hit["scores"]) == {"bm25", "dense", "rerank"}
    assert "パスワード" in hit["title"]


def test_public_caller_never_sees_internal_or_tickets(client):
    for q in ("エスカレーション基準", "返金対応手順 課長承認", "請求書が届かない 問い合わせ"):
        hits = client.get("/v1/search", params={"q": q, "k": 20}).json()["hits"]
        assert all(h["visibility"] == "public" and h["kind"] != "ticket" for h in hits), q


def test_agent_key_reaches_internal_articles_and_tickets(client):
    hits = client.get("/v1/search", params={"q": "エスカレーション基準", "k": 5},
                      headers=AGENT).json()["hits"]
    assert any(h["visibility"] == "internal" for h in hits)
    tickets = client.get("/v1/search", params={"q": "ログインできない", "kind": "ticket"},
                         headers=AGENT).json()["hits"]
    assert tickets and all(h["kind"] == "ticket" for h in tickets)


def test_public_caller_asking_for_internal_content_is_refused(client):
    assert client.get("/v1/search", params={"q": "x", "kind": "ticket"}).status_code == 401
    assert client.get("/v1/search", params={"q": "x", "visibility": "internal"}).status_code == 401


def test_unknown_key_is_401_and_bad_parameters_are_422(client):
    bad = client.get("/v1/search", params={"q": "請求書"},
                     headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and "unknown or revoked API key" in bad.json()["detail"]
    assert client.get("/v1/search", params={"q": "請求書", "k": 0}).status_code == 422
    assert client.get("/v1/search", params={"q": ""}).status_code == 422
    assert client.get("/v1/search", params={"q": "請求書", "kind": "blog"}).status_code == 422


def test_language_and_kind_filters_apply_before_top_k(client):
    hits = client.get("/v1/search", params={"q": "password", "lang": "en", "k": 10}).json()["hits"]
    assert hits and all(h["language"] == "en" for h in hits)
    faq = client.get("/v1/search", params={"q": "請求書", "kind": "faq", "k": 10}).json()["hits"]
    assert len(faq) == 10 and all(h["kind"] == "faq" for h in faq)


def test_healthz_page_and_openapi(client):
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["chunks"] > 0
    page = client.get("/")
    assert page.status_code == 200 and "<form" in page.text
    spec = client.get("/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/v1/search"]["get"]["parameters"]}
    assert params["q"]["description"]
    assert spec["info"]["description"]


def test_no_index_yet_is_a_clear_503(tmp_path, embedder):
    from kotae.app.settings import Settings

    with TestClient(create_app(Settings(home=tmp_path))) as c:
        assert c.get("/healthz").json()["status"] == "no-index"
        r = c.get("/v1/search", params={"q": "請求書"})
        assert r.status_code == 503 and "kotae ingest" in r.json()["detail"]


def _documented(client, method: str, path: str, response) -> dict:
    """The spec's entry for ``response`` (its status and media type); KeyError if undocumented."""
    spec = client.get("/openapi.json").json()
    media = response.headers["content-type"].split(";")[0]
    return spec["paths"][path][method]["responses"][str(response.status_code)]["content"][media]


def test_a_body_that_is_not_utf8_json_is_a_documented_400(client):
    # schemathesis: POST /v1/session with the body 06 ff answered 400, documented nowhere
    r = client.post("/v1/session", content=b"\x06\xff",
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["detail"]
    assert _documented(client, "post", "/v1/session", r)["schema"]["$ref"].endswith("/ErrorOut")


def test_both_shapes_of_422_are_documented(client):
    # schemathesis: a route's own 422 message broke a documented list (POST /v1/feedback/vote),
    # FastAPI's list broke a documented string (POST /v1/deflect with the body 00)
    own = client.post("/v1/feedback/vote", json={"helpful": False})
    listed = client.post("/v1/deflect", content=b"\x00",
                         headers={"Content-Type": "application/json"})
    assert isinstance(own.json()["detail"], str) and isinstance(listed.json()["detail"], list)
    for path, r in (("/v1/feedback/vote", own), ("/v1/deflect", listed)):
        assert r.status_code == 422
        assert _documented(client, "post", path, r)["schema"]["$ref"].endswith("/InvalidOut")
    detail = client.get("/openapi.json").json()["components"]["schemas"]["InvalidOut"][
        "properties"]["detail"]
    assert {shape["type"] for shape in detail["anyOf"]} == {"string", "array"}


def test_gap_exports_are_documented_as_text_and_their_errors_as_json(client):
    # schemathesis: GET /v1/gaps/export.csv without a key answered a JSON 401 where the spec
    # said text/plain (and the export itself is text/csv)
    admin = {"Authorization": "Bearer test-admin-key"}
    for path, media in (("/v1/gaps/export.csv", "text/csv"),
                        ("/v1/gaps/export.md", "text/markdown")):
        refused = client.get(path)
        assert refused.status_code == 401 and _documented(client, "get", path, refused)
        export = client.get(path, params={"since": "all"}, headers=admin)
        assert export.status_code == 200 and export.headers["content-type"].startswith(media)
        assert _documented(client, "get", path, export)
