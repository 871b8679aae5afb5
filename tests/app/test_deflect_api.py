"""``POST /v1/deflect`` in-process on the shared sample KB: answer or hand-off, the log and its
"did it help" update, the calibrated threshold, and the per-client rate limit."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kotae.app.api import create_app
from kotae.kb import Action, Channel, EventType, KBStore, QueryLog, Visibility
from kotae.retrieval import RetrievalConfig, Searcher

CONFIDENT = "パスワードを忘れてしまいました。どうすればよいですか？"
OUT_OF_SCOPE = "近くでおいしいラーメン屋さんを教えてください"


@pytest.fixture(scope="module")
def client(sample_settings, sample_searcher):
    settings = sample_settings.model_copy(update={"rate_limit_per_minute": 0})
    with TestClient(create_app(settings, searcher=sample_searcher)) as c:
        yield c


@pytest.fixture(scope="module")
def log(sample_settings):
    return QueryLog.for_dir(sample_settings.home)


def test_confident_question_gets_an_answer_with_links(client, log):
    r = client.post("/v1/deflect", json={"question": CONFIDENT, "channel": "chatbot",
                                         "session_id": "conv-1"})
    assert r.status_code == 200
    body = r.json()
    assert body["action"] == "answer" and body["language"] == "ja"
    assert set(body) == {"event_id", "action", "confidence", "language", "answer", "sources"}
    assert body["sources"][0]["url"].startswith("http://testserver/help/articles/")
    assert body["sources"][0]["url"] in body["answer"]
    event = log.get(body["event_id"])
    assert event.channel is Channel.DEFLECT and event.event is EventType.DEFLECT
    assert event.action is Action.ANSWER and event.via == "chatbot"
    assert event.session_id == "conv-1" and event.hits


def test_unanswerable_question_is_handed_off_never_answered(client, log):
    body = client.post("/v1/deflect", json={"question": OUT_OF_SCOPE}).json()
    assert body["action"] == "handoff" and "answer" not in body and "sources" not in body
    ticket = body["ticket"]
    assert ticket["body"] == OUT_OF_SCOPE and ticket["subject"] and ticket["language"] == "ja"
    assert ticket["priority"] in ("normal", "high")
    assert body["candidates"] and all(c["question"] and c["url"] for c in body["candidates"])
    event = log.get(body["event_id"])
    assert event.action is Action.HANDOFF and event.ticket["body"] == OUT_OF_SCOPE


def test_language_can_be_given(client):
    body = client.post("/v1/deflect", json={"question": OUT_OF_SCOPE, "language": "en"}).json()
    assert body["language"] == "en" and body["ticket"]["language"] == "en"


def test_did_it_help_updates_the_log(client, log):
    event_id = client.post("/v1/deflect", json={"question": CONFIDENT}).json()["event_id"]
    r = client.post(f"/v1/deflect/{event_id}/feedback", json={"helpful": False})
    assert r.status_code == 200 and r.json()["recorded"] is True
    assert log.get(event_id).helpful is False
    assert client.post(f"/v1/deflect/{'0' * 32}/feedback", json={"helpful": True}
                       ).status_code == 404
    assert client.post("/v1/deflect/not-an-id/feedback", json={"helpful": True}
                       ).status_code == 422


@pytest.mark.parametrize("payload", [
    {"question": ""}, {"question": "   "}, {"question": "x" * 2001},
    {"question": "請求書", "language": "fr"}, {"question": "請求書", "channel": "<script>"}, {}])
def test_bad_requests_are_422(client, payload):
    assert client.post("/v1/deflect", json=payload).status_code == 422


def test_an_agent_key_does_not_widen_deflection(client, sample_settings):
    store = KBStore.for_dir(sample_settings.home)
    internal = next(c for c, d in store.iter_chunks_with_documents()
                    if d.visibility is Visibility.INTERNAL)
    body = client.post("/v1/deflect", json={"question": internal.text[:2000]},
                       headers={"Authorization": "Bearer test-agent-key"}).json()
    ids = [s["doc_id"] for s in body.get("sources", [])] + \
        [c["doc_id"] for c in body.get("candidates", [])]
    assert ids and all(store.get_document(i).visibility is Visibility.PUBLIC for i in ids)


def test_the_threshold_comes_from_the_kb_settings(sample_settings, embedder, tokenizer):
    strict = Searcher(sample_settings.home, embedder, tokenizer,
                      config=RetrievalConfig(answer_threshold=1.0))
    with TestClient(create_app(sample_settings, searcher=strict)) as c:
        body = c.post("/v1/deflect", json={"question": CONFIDENT}).json()
    assert body["action"] == "handoff" and body["candidates"]


def test_rate_limit_is_per_client_with_a_clear_429(sample_settings, sample_searcher):
    settings = sample_settings.model_copy(update={"rate_limit_per_minute": 1,
                                                  "rate_limit_burst": 2})
    with TestClient(create_app(settings, searcher=sample_searcher)) as c:
        codes = [c.post("/v1/deflect", json={"question": "請求書"}).status_code
                 for _ in range(3)]
        assert codes == [200, 200, 429]
        refused = c.post("/v1/deflect", json={"question": "請求書"})
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "at most 1 per minute" in refused.json()["detail"]
        # A known API key is a client of its own (a chatbot is not throttled by its users).
        keyed = c.post("/v1/deflect", json={"question": "請求書"},
                       headers={"Authorization": "Bearer test-agent-key"})
        assert keyed.status_code == 200
        # A made-up key is refused outright (it never buys a fresh bucket).
        made_up = c.post("/v1/deflect", json={"question": "請求書"},
                         headers={"Authorization": "Bearer made-up"})
        assert made_up.status_code == 401
        # Searching stays open: only the write-like public endpoints are limited.
        assert c.get("/help", params={"q": "請求書"}).status_code == 200
