"""Uploading documents (admin): ingested into the KB and searchable at once; bad files refused
with a clear status and nothing half-written; other roles refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kotae.app.api import create_app
from kotae.knowledge_base import open_kb

ADMIN = {"Authorization": "Bearer test-admin-key"}
AGENT = {"Authorization": "Bearer test-agent-key"}
ARTICLE = ("---\ntitle: 請求書の英語テンプレート\nvisibility: public\n---\n"
           "# 請求書の英語テンプレート\n\n海外の取引先には、帳票テンプレートで「English」を選ぶと、"
           "英語表記の請求書を発行できます。通貨は日本円のまま表示されます。\n")


@pytest.fixture(scope="module")
def client(sample_settings, embedder, tmp_path_factory, copy_kb):
    home = copy_kb(sample_settings.home, tmp_path_factory.mktemp("upload-kb") / "kb")
    settings = sample_settings.model_copy(update={"home": home, "max_upload_bytes": 4096})
    searcher = open_kb(settings, embedder=embedder).searcher
    with TestClient(create_app(settings, searcher=searcher)) as c:
        yield c, home


def test_an_uploaded_article_is_ingested_and_found(client):
    c, home = client
    before = c.get("/healthz").json()
    got = c.post("/v1/admin/documents", headers=ADMIN,
                 files=[("files", ("english-invoice.md", ARTICLE.encode(), "text/markdown"))])
    assert got.status_code == 201, got.text
    body = got.json()
    assert body["added"] == 1 and body["published"] and not body["problems"]
    assert body["snapshot"] != before["snapshot"]
    assert (home / "uploads" / "english-invoice.md").read_text(encoding="utf-8") == ARTICLE
    hits = c.get("/v1/search", params={"q": "英語の請求書を発行したい"}).json()["hits"]
    assert hits[0]["title"] == "請求書の英語テンプレート"
    again = c.post("/v1/admin/documents", headers=ADMIN,
                   files=[("files", ("english-invoice.md", ARTICLE.encode(), "text/markdown"))])
    assert again.json()["unchanged"] == 1 and not again.json()["published"]


def test_bad_uploads_are_refused_and_leave_nothing_behind(client):
    c, home = client
    before = sorted(p.name for p in (home / "uploads").glob("*"))
    wrong_type = c.post("/v1/admin/documents", headers=ADMIN,
                        files=[("files", ("setup.exe", b"MZ\x90\x00", "application/octet-stream"))])
    assert wrong_type.status_code == 415 and "unsupported file type" in wrong_type.json()["detail"]
    too_big = c.post("/v1/admin/documents", headers=ADMIN,
                     files=[("files", ("big.md", b"# big\n" + b"a" * 5000, "text/markdown"))])
    assert too_big.status_code == 413 and "4,096 bytes" in too_big.json()["detail"]
    sneaky = c.post("/v1/admin/documents", headers=ADMIN,
                    files=[("files", ("../../etc/evil.md", b"# x\n\ny\n", "text/markdown"))])
    assert sneaky.status_code == 201 and sneaky.json()["files"] == ["evil.md"]
    assert not (home.parent / "etc").exists()
    after = sorted(p.name for p in (home / "uploads").glob("*"))
    assert after == sorted([*before, "evil.md"])  # no .incoming-* left over
    garbage = c.post("/v1/admin/documents", headers=ADMIN,
                     files=[("files", ("faq.csv", b"\xff\xfe\x00garbage", "text/csv"))])
    assert garbage.status_code == 201 and garbage.json()["problems"]
    assert c.post("/v1/admin/documents", headers=ADMIN).status_code == 422


def test_only_admins_upload(client):
    c, _ = client
    files = [("files", ("x.md", b"# x\n\ny\n", "text/markdown"))]
    assert c.post("/v1/admin/documents", files=files).status_code == 401
    assert c.post("/v1/admin/documents", files=files, headers=AGENT).status_code == 403
