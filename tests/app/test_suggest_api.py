"""POST /v1/suggest and its outcome through FastAPI's test client on the sample KB, and
`kotae suggest` on the command line."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kotae.app.api import create_app
from kotae.app.cli import app as cli_app
from kotae.kb import KBStore
from kotae.kb.feedback import FeedbackStore

AGENT = {"Authorization": "Bearer test-agent-key"}
HOW_TO = {"subject": "パスワードを忘れました",
          "body": "パスワードを忘れてしまいログインできません。再設定の方法を教えてください。"}


@pytest.fixture(scope="module")
def client(sample_settings, sample_searcher):
    with TestClient(create_app(sample_settings, searcher=sample_searcher)) as c:
        yield c


def test_public_callers_cannot_ask_for_suggestions(client):
    response = client.post("/v1/suggest", json=HOW_TO)
    assert response.status_code == 401
    assert "agent role" in response.json()["detail"]
    bad = client.post("/v1/suggest", json=HOW_TO, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_an_agent_gets_the_full_suggestion_shape(client):
    body = client.post("/v1/suggest", json=HOW_TO, headers=AGENT).json()
    assert len(body["id"]) == 32 and body["language"] == "ja" and body["answered"]
    assert body["draft"].startswith("お問い合わせいただき")
    assert body["draft_detail"]["mode"] == "answer"
    assert body["citations"] and all(
        {"label", "doc_id", "title", "url", "snippet", "highlights"} <= set(c)
        for c in body["citations"])
    labels = {c["label"] for c in body["citations"]}
    answer = [s for s in body["draft_detail"]["sentences"] if s["part"] == "answer"]
    assert answer and all(s["citations"] and set(s["citations"]) <= labels for s in answer)
    assert body["triage"]["category"] == "account" and body["triage"]["escalate"] is None
    assert body["triage"]["sentiment"]["label"] in ("neutral", "negative")
    assert body["similar_tickets"] and body["similar_tickets"][0]["reply"]
    assert 0.0 <= body["confidence"] <= 1.0


def test_escalation_and_english_through_the_api(client):
    complaint = client.post("/v1/suggest", headers=AGENT, json={
        "subject": "責任者を出してください",
        "body": "何度も問い合わせているのに解決しません。"}).json()
    assert complaint["triage"]["escalate"]["reason"] == "complaint"
    assert complaint["triage"]["escalate"]["message"]
    english = client.post("/v1/suggest", headers=AGENT, json={
        "subject": "Reset password", "body": "How can I reset my password?"}).json()
    assert english["language"] == "en" and english["draft"].startswith("Thank you")


def test_outcomes_are_stored_with_the_edit_distance(client, sample_settings):
    suggestion = client.post("/v1/suggest", json=HOW_TO, headers=AGENT).json()
    final = suggestion["draft"] + "\n担当: 佐藤"
    kept = [suggestion["citations"][0]["label"]]
    response = client.post(f"/v1/suggest/{suggestion['id']}/outcome", headers=AGENT,
                           json={"outcome": "edited", "final_text": final,
                                 "kept_citations": kept})
    assert response.status_code == 201
    assert response.json()["edit_distance"] == len("\n担当: 佐藤")
    stored = FeedbackStore(KBStore.for_dir(sample_settings.home))
    [outcome] = stored.outcomes(suggestion["id"])
    assert outcome.final_text == final and outcome.kept_citations == kept
    assert stored.get_suggestion(suggestion["id"]).draft == suggestion["draft"]


def test_bad_requests_say_what_is_wrong(client):
    assert client.post("/v1/suggest", json={"subject": "", "body": " "},
                       headers=AGENT).status_code == 422
    assert client.post("/v1/suggest", json={**HOW_TO, "customer_tier": "gold"},
                       headers=AGENT).status_code == 422
    missing = client.post("/v1/suggest/" + "0" * 32 + "/outcome", headers=AGENT,
                          json={"outcome": "used"})
    assert missing.status_code == 404
    assert client.post("/v1/suggest/" + "0" * 32 + "/outcome",
                       json={"outcome": "used"}).status_code == 401


def test_the_cli_drafts_from_json_or_text(sample_settings, tmp_path):
    runner = CliRunner()
    ticket = tmp_path / "ticket.json"
    ticket.write_text(json.dumps(HOW_TO, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(cli_app, ["suggest", "--ticket", str(ticket), "--kb",
                                     str(sample_settings.home), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["draft"].startswith("お問い合わせいただき")
    text = runner.invoke(cli_app, ["suggest", "--ticket", "-", "--kb", str(sample_settings.home)],
                         input="解約したい\n今月で解約します。手続きを教えてください。")
    assert text.exit_code == 0, text.output
    assert "cancellation" in text.stdout
    missing = runner.invoke(cli_app, ["suggest", "--ticket", str(tmp_path / "none.json")])
    assert missing.exit_code != 0
