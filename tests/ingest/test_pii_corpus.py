"""Planted personal data never reaches the database, the index files or an API response.

The corpus (tests/ingest/data/pii) holds realistic tickets in the three export formats: a
Zendesk JSON export with users and an internal note, a Freshdesk CSV, and JSON Lines (flat and
threaded), with e-mail addresses, Japanese and international phone numbers, postal codes,
Luhn-valid card numbers, addresses and customer names planted in them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kotae.app.api import create_app
from kotae.app.settings import Settings
from kotae.knowledge_base import open_kb

CORPUS = Path(__file__).parent / "data" / "pii"

PLANTED = [
    # e-mail addresses
    "hanako.sato@example.co.jp", "j.miller@example.com", "ichiro.suzuki@example.ne.jp",
    "misaki.t@example.org", "yamamoto@example.jp", "nakamura.k@example.com",
    "tanaka@support.example.jp",
    # phone numbers: landline, mobile, free dial, +81, international
    "03-5555-0142", "090-4444-1234", "080-2222-9876", "0120-444-555", "06-6666-7777",
    "070-1111-2222", "+81-80-3333-2121", "+1 415 555 0132", "+81 90 7777 8888",
    # postal codes, card numbers (Luhn-valid), addresses
    "150-0002", "530-0001", "060-0001", "4539 1488 0343 6467", "5555-5555-5555-4444",
    "渋谷区渋谷2-21-1", "梅田3丁目1番3号", "北一条西2-1",
    # customer names (greetings, introductions, export fields)
    "佐藤花子", "佐藤 花子", "佐藤", "John Miller", "Miller", "鈴木一郎", "鈴木", "高橋",
    "美咲", "山本", "健太", "中村",
]


def _variants(secret: str) -> set[str]:
    digits = re.sub(r"\D", "", secret)
    out = {secret, secret.replace(" ", "")}
    if len(digits) >= 9 and not re.search(r"[^\d\s+\-]", secret):
        out.add(digits)  # the same number without separators
    return out


@pytest.fixture(scope="module")
def pii_kb(tmp_path_factory: pytest.TempPathFactory, embedder) -> Settings:
    settings = Settings(home=tmp_path_factory.mktemp("pii-kb"), api_keys="agent:pii-agent")
    outcome = open_kb(settings, embedder=embedder).ingest([CORPUS])
    assert outcome.report.problems == []
    assert outcome.build is not None and outcome.build.manifest.documents == 6
    return settings


def test_corpus_really_contains_the_planted_data() -> None:
    raw = "".join(p.read_text(encoding="utf-8-sig") for p in CORPUS.iterdir())
    assert all(secret in raw for secret in PLANTED)


def test_no_planted_data_in_any_file_of_the_kb(pii_kb: Settings, file_bytes) -> None:
    files = [p for p in pii_kb.home.rglob("*") if p.is_file()]
    assert any(p.name == "kotae.db" for p in files) and any(p.suffix == ".faiss" for p in files)
    for path in files:
        data = file_bytes(path)
        for secret in PLANTED:
            for form in _variants(secret):
                assert form.encode("utf-8") not in data, f"{form!r} found in {path.name}"


def test_no_planted_data_in_api_responses(pii_kb: Settings, embedder) -> None:
    app = create_app(pii_kb, searcher=open_kb(pii_kb, embedder=embedder).searcher)
    queries = ["請求書の宛名を変更したい", "card payment failed", "ログインできない 二段階認証",
               "領収書 住所", "解約 引き落とし", "メールが届かない", "佐藤", "090", "example.com"]
    with TestClient(app) as client:
        bodies = []
        for q in queries:
            response = client.get("/v1/search", params={"q": q, "k": 10},
                                  headers={"Authorization": "Bearer pii-agent"})
            assert response.status_code == 200
            body = response.json()
            body.pop("query")  # the caller's own words are echoed back; the hits are ours
            bodies.append(json.dumps(body, ensure_ascii=False))
    hits = sum(body.count('"doc_id"') for body in bodies)
    assert hits >= len(queries)  # the tickets are found, so their text really is returned
    everything = "\n".join(bodies)
    assert "[氏名]" in everything or "[メール]" in everything or "[電話番号]" in everything
    for secret in PLANTED:
        for form in _variants(secret):
            assert form not in everything, f"{form!r} in an API response"


def test_resolution_and_thread_are_kept_readable(pii_kb: Settings) -> None:
    from kotae.kb import KBStore

    docs = {d.title: d for _, d in KBStore.for_dir(pii_kb.home).iter_chunks_with_documents()}
    zendesk = docs["請求書の宛名を変更したい"]
    assert zendesk.answer.startswith("[氏名]様\n画面右上の歯車アイコン")  # the last public reply
    assert "社内メモ" not in str(zendesk.meta) and zendesk.meta["internal_notes"] == 1
    assert [m["role"] for m in zendesk.meta["thread"]] == ["customer", "agent", "customer",
                                                           "agent"]
    assert "[電話番号]" in zendesk.body and "[メール]" in zendesk.body
