"""Request limits through FastAPI's test client, on the shared sample KB: bodies over
``max_body_bytes`` get 413 (declared or streamed), out-of-range parameters get 422 naming the
field."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kotae.app.api import create_app
from kotae.app.api.limits import BodySizeLimit

MiB = 1024 * 1024
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def client(sample_settings, sample_searcher):
    assert sample_settings.max_body_bytes == MiB  # the default
    with TestClient(create_app(sample_settings, searcher=sample_searcher)) as c:
        yield c


def question(size: int) -> bytes:
    """A /v1/deflect body of exactly ``size`` bytes."""
    empty = json.dumps({"question": ""}).encode()
    return json.dumps({"question": "a" * (size - len(empty))}).encode()


def chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """The body as a stream: httpx sends it chunked, without a Content-Length."""
    for start in range(0, len(body), size):
        yield body[start:start + size]


def assert_refused(response) -> None:
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "detail": "request body too large: at most 1,048,576 bytes are accepted here"}
    assert response.headers["x-request-id"]  # observability still sees (and logs) it


def test_a_declared_oversize_body_is_refused_before_the_app_reads_it(client):
    assert_refused(client.post("/v1/deflect", content=question(MiB + 1), headers=JSON))


def test_a_streamed_oversize_body_is_refused_while_it_is_read(client):
    request = client.build_request("POST", "/v1/deflect", content=chunks(question(MiB + 1)),
                                   headers=JSON)
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    assert_refused(client.send(request))


def test_a_body_at_the_limit_reaches_the_app(client):
    # The app validates it: the question is over its own 2,000 characters.
    for content in (question(MiB), chunks(question(MiB))):
        response = client.post("/v1/deflect", content=content, headers=JSON)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "question"]
    response = client.post("/v1/deflect", content=chunks(json.dumps(
        {"question": "パスワードを忘れました"}).encode(), size=7), headers=JSON)
    assert response.status_code == 200, response.text


def test_uploads_of_documents_have_their_own_larger_limit(client):
    # Past the general limit, the upload route still answers (here: no admin key).
    files = {"files": ("big.md", b"# big\n" + b"x" * (2 * MiB), "text/markdown")}
    assert client.post("/v1/admin/documents", files=files).status_code == 401


def test_k_out_of_range_is_a_422_naming_k(client):
    response = client.get("/v1/search", params={"q": "パスワード", "k": 10000})
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["loc"] == ["query", "k"]
    assert error["msg"] == "Input should be less than or equal to 100"


@pytest.mark.parametrize(("path", "limit"), [("/v1/search", 500), ("/help", 500),
                                              ("/v1/typeahead", 100)])
def test_an_over_long_query_is_a_422_naming_q(client, path: str, limit: int):
    response = client.get(path, params={"q": "あ" * (limit + 1)})
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["loc"] == ["query", "q"]
    assert error["msg"] == f"String should have at most {limit} characters"


def test_limits_must_be_positive():
    async def app(scope, receive, send):  # never called
        raise AssertionError

    with pytest.raises(ValueError, match="at least 1 byte"):
        BodySizeLimit(app, 0)
    with pytest.raises(ValueError, match="at least 1 byte"):
        BodySizeLimit(app, 10, {"/upload": 0})


def test_an_over_long_citation_label_is_a_422_naming_it(client):
    response = client.post(f"/v1/suggest/{'0' * 32}/outcome",
                           headers={"Authorization": "Bearer test-agent-key"},
                           json={"outcome": "edited", "kept_citations": ["S1", "S" * 100]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "kept_citations", 1]
