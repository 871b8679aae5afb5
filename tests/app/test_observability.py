"""Request ids, access logs and /metrics, on the shared sample KB (and two small apps)."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from kotae.app.api import create_app
from kotae.app.api.logs import JsonFormatter, configure_logging
from kotae.app.api.observability import RequestIdFilter, install_observability
from kotae.app.cli import app as cli_app

QUERY = "パスワードを忘れた"
ADMIN = {"Authorization": "Bearer test-admin-key"}  # /metrics is for admins


@pytest.fixture(scope="module")
def client(sample_settings, sample_searcher):
    with TestClient(create_app(sample_settings, searcher=sample_searcher)) as c:
        yield c


@pytest.fixture
def access_log(caplog):
    """Access records as the server's own handler sees them (the filter stamps the id)."""
    caplog.handler.addFilter(stamp := RequestIdFilter())
    with caplog.at_level(logging.INFO):
        yield caplog
    caplog.handler.removeFilter(stamp)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _samples(client: TestClient, name: str) -> list:
    text = client.get("/metrics", headers=ADMIN).text
    for family in text_string_to_metric_families(text):
        if family.name == name:
            return family.samples
    return []


def _requests(client: TestClient, **labels: str) -> float:
    return sum(s.value for s in _samples(client, "kotae_http_requests")
               if s.name.endswith("_total") and labels.items() <= s.labels.items())


def test_a_sane_request_id_is_echoed_and_carried_by_the_access_record(client, access_log):
    response = client.get("/v1/search", params={"q": QUERY, "k": 3},
                          headers={"X-Request-ID": "ticket-42.retry_1"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "ticket-42.retry_1"
    [record] = [r for r in access_log.records if r.name == "kotae.access"]
    assert record.request_id == "ticket-42.retry_1"
    assert record.route == "/v1/search" and record.http_method == "GET"
    assert record.status == response.status_code and record.duration_ms >= 0
    assert record.client == "testclient"
    line = JsonFormatter().format(record)
    assert QUERY not in line and "q=" not in line
    assert json.loads(line)["request_id"] == "ticket-42.retry_1"


@pytest.mark.parametrize("given", [b"", b"x" * 65, b"has space", "日本語".encode(), b"a/b"])
def test_a_missing_or_odd_request_id_is_replaced_by_a_fresh_one(client, given):
    headers = {"X-Request-ID": given} if given else {}
    first = client.get("/healthz", headers=headers).headers["x-request-id"]
    second = client.get("/healthz", headers=headers).headers["x-request-id"]
    assert first != second and len(first) == 32 and first.isalnum()


def test_records_logged_while_handling_a_request_carry_its_id(access_log):
    app = FastAPI()
    install_observability(app, kb_name="tiny")

    @app.get("/work")
    def work() -> dict[str, str]:  # a sync route: runs in a worker thread
        logging.getLogger("kotae.test").warning("working")
        return {}

    response = TestClient(app).get("/work")
    [inside] = [r for r in access_log.records if r.name == "kotae.test"]
    assert inside.request_id == response.headers["x-request-id"]
    logging.getLogger("kotae.test").warning("outside")
    assert access_log.records[-1].request_id == "-"


def test_metrics_count_a_search_by_route_template(client):
    labels = {"kb": "default", "method": "GET", "route": "/v1/search", "status": "2xx"}
    before = _requests(client, **labels)
    assert client.get("/v1/search", params={"q": QUERY, "k": 3}).status_code == 200
    assert _requests(client, **labels) == before + 1
    latency = _samples(client, "kotae_http_request_duration_seconds")
    assert any(s.name.endswith("_count") and s.labels["route"] == "/v1/search" for s in latency)
    assert client.get("/metrics", headers=ADMIN).headers["content-type"].startswith("text/plain")
    assert client.get("/metrics").status_code == 401


def test_metrics_report_the_sample_kb(client, sample_searcher):
    manifest = sample_searcher.manifest()
    health = client.get("/healthz").json()

    def gauge(name: str) -> list:
        return [(s.labels, s.value) for s in _samples(client, name)]

    assert gauge("kotae_index_serving") == [({"kb": "default"}, 1.0)]
    assert gauge("kotae_index_documents") == [({"kb": "default"}, manifest.documents)]
    assert gauge("kotae_index_chunks") == [({"kb": "default"}, manifest.chunks)]
    assert manifest.documents == health["documents"] and manifest.chunks == health["chunks"]
    [(info, one)] = gauge("kotae_snapshot_info")
    assert one == 1 and info["snapshot"] == health["snapshot"]
    assert info["snapshot"] == sample_searcher.snapshots.version()
    assert info["embedder"] == manifest.embedder and info["kb"] == "default"


def test_paths_share_their_route_template_and_404s_share_one_label(client):
    before = _requests(client, route="unmatched", status="4xx")
    for n in range(3):
        assert client.get(f"/no/such/page-{n}").status_code == 404
        client.get(f"/help/articles/no-such-doc-{n}")
    routes = {s.labels["route"] for s in _samples(client, "kotae_http_requests")}
    assert not any("no-such" in r or "page-" in r for r in routes), routes
    assert "/help/articles/{doc_id}" in routes
    assert _requests(client, route="unmatched", status="4xx") == before + 3


def test_each_app_has_its_own_registry_and_a_mounted_app_counts_its_requests(access_log):
    outer, inner = FastAPI(), FastAPI()
    inner.get("/items/{item_id}")(lambda item_id: {"item": item_id})
    outer.mount("/kb/{name}", inner)
    install_observability(inner, kb_name="acme")
    install_observability(outer, kb_name="default")
    response = TestClient(outer).get("/kb/acme/items/7", headers={"X-Request-ID": "r1"})
    assert response.status_code == 200 and response.headers["x-request-id"] == "r1"
    [record] = [r for r in access_log.records if r.name == "kotae.access"]  # logged once
    assert (record.kb, record.route, record.request_id) == ("acme", "/items/{item_id}", "r1")
    inner_text = TestClient(inner).get("/metrics").text
    assert 'route="/items/{item_id}"' in inner_text and 'kb="default"' not in inner_text
    outer_text = TestClient(outer).get("/metrics").text
    assert "/items/" not in outer_text and 'kb="acme"' not in outer_text
    assert 'kotae_index_serving{kb="default"} 0.0' in outer_text  # no searcher: no index


def test_json_lines_and_the_log_format_option():
    record = logging.LogRecord("kotae.x", logging.INFO, __file__, 1, "hello %s", ("世界",), None)
    record.request_id, record.route = "r1", "/v1/search"
    assert json.loads(JsonFormatter().format(record)) | {"ts": ""} == {
        "ts": "", "level": "INFO", "logger": "kotae.x", "message": "hello 世界",
        "request_id": "r1", "route": "/v1/search"}
    with pytest.raises(ValueError, match="json, text"):
        configure_logging("xml")
    result = CliRunner().invoke(cli_app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "--log-format" in result.output
    assert "KOTAE_LOG_FORMAT" in result.output
    bad = CliRunner().invoke(cli_app, ["serve", "--log-format", "xml"])
    assert bad.exit_code == 2 and "json or text" in bad.output


@pytest.mark.e2e
def test_kotae_serve_writes_json_access_lines_without_the_query(sample_settings, tmp_path):
    port, log_path = _free_port(), tmp_path / "serve.log"
    env = {**os.environ, "KOTAE_LOG_FORMAT": "json"}
    with open(log_path, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "kotae.app", "serve", "--kb",
                                 str(sample_settings.home), "--port", str(port)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    httpx.get(f"{base}/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    assert proc.poll() is None, log_path.read_text()
                    time.sleep(0.2)
            response = httpx.get(f"{base}/v1/search", params={"q": QUERY},
                                 headers={"X-Request-ID": "e2e-1"})
            assert response.headers["x-request-id"] == "e2e-1"
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    text = log_path.read_text(encoding="utf-8")
    assert QUERY not in text and "q=" not in text
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    [access] = [e for e in lines if e.get("request_id") == "e2e-1"]
    assert access["logger"] == "kotae.access" and access["route"] == "/v1/search"
    assert access["status"] == 200 and access["kb"] == "default"
