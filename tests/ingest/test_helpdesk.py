"""Helpdesk exports on real files: Zendesk JSON, Freshdesk CSV, column mapping, threads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kotae.ingest import ingest_paths
from kotae.ingest.errors import LoadError
from kotae.ingest.loaders import Defaults, loader_for
from kotae.kb import KBStore, Kind, Visibility

CORPUS = Path(__file__).parent / "data" / "pii"


def _load(path: Path, defaults: Defaults | None = None):
    loader = loader_for(path)
    assert loader is not None
    return loader(path, defaults or Defaults())


def test_zendesk_thread_keeps_customer_and_agent_apart() -> None:
    result = _load(CORPUS / "zendesk_tickets.json")
    assert result.problems == []
    doc = next(d for d in result.documents if d.meta["ticket_id"] == "35436")
    assert doc.kind is Kind.TICKET and doc.visibility is Visibility.INTERNAL
    assert "設定画面が見つかりません" in doc.body  # the customer's follow-up is body
    assert "お問い合わせありがとうございます" not in doc.body  # an agent's reply is not
    assert "歯車アイコン" in doc.answer  # the final public agent reply is the resolution
    assert doc.meta["internal_notes"] == 1 and "社内メモ" not in json.dumps(doc.meta)
    assert doc.meta["tags"] == ["請求書", "宛名"]


def test_freshdesk_csv_is_recognised_by_its_columns() -> None:
    result = _load(CORPUS / "freshdesk_tickets.csv")
    assert result.problems == []
    first = result.documents[0]
    assert first.kind is Kind.TICKET and first.meta["ticket_id"] == "8812"
    assert first.category == "アカウント" and first.answer.startswith("[氏名]様、認証アプリ")
    assert "Email" not in first.meta and "email" not in first.meta


def test_generic_csv_with_a_column_mapping(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("番号,件名,内容,回答,顧客名\n"
                    "A-1,ログイン不可,田中です。090-1111-2222 に電話を。,"
                    "再設定してください。,田中 一\n",
                    encoding="utf-8")
    columns = {"id": "番号", "subject": "件名", "body": "内容", "reply": "回答",
               "customer_name": "顧客名"}
    [doc] = _load(path, Defaults(columns=columns)).documents
    assert (doc.title, doc.body, doc.answer) == (
        "ログイン不可", "[氏名]です。[電話番号] に電話を。", "再設定してください。")


def test_faq_csv_with_a_column_mapping_stays_faq(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_text("問,答\n返品できますか,30日以内なら可能です。\n", encoding="utf-8")
    [doc] = _load(path, Defaults(columns={"question": "問", "answer": "答"})).documents
    assert doc.kind is Kind.FAQ and doc.question == "返品できますか"


def test_jsonl_with_a_column_mapping(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"no": "9", "title": "請求", "text": "二重請求です。"},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    defaults = Defaults(columns={"id": "no", "subject": "title", "body": "text"})
    [doc] = _load(path, defaults).documents
    assert (doc.meta["ticket_id"], doc.title, doc.body) == ("9", "請求", "二重請求です。")


def test_unknown_mapping_field_is_refused() -> None:
    with pytest.raises(ValueError, match="allowed: id, question"):
        Defaults(columns={"ticket_number": "番号"})


def test_zendesk_help_center_articles(tmp_path: Path) -> None:
    path = tmp_path / "articles.json"
    path.write_text(json.dumps({"articles": [
        {"id": 1, "title": "請求書の再発行",
         "body": "<h2>手順</h2><p>詳細画面から再発行します。</p>",
         "locale": "ja", "html_url": "https://help.example.jp/hc/ja/articles/1"},
        {"id": 2, "title": "下書き", "body": "<p>未公開</p>", "draft": True},
    ]}, ensure_ascii=False), encoding="utf-8")
    [doc] = _load(path).documents
    assert doc.kind is Kind.MANUAL and doc.language == "ja"
    assert "## 手順" in doc.body and doc.url.endswith("/articles/1")


def test_unknown_or_malformed_json_is_a_load_error(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"rows": []}', encoding="utf-8")
    with pytest.raises(LoadError, match="unknown JSON export"):
        _load(other)
    broken = tmp_path / "broken.json"
    broken.write_text('{"tickets": [', encoding="utf-8")
    with pytest.raises(LoadError, match="malformed JSON"):
        _load(broken)


def test_bad_tickets_in_an_export_are_problems_and_the_rest_loads(tmp_path: Path) -> None:
    path = tmp_path / "zendesk.json"
    path.write_text(json.dumps({"tickets": [
        {"id": 1, "subject": "OK", "description": "請求書が届きません。"},
        {"id": 2}, "not a ticket", {"id": 1, "subject": "重複", "description": "x"},
    ]}, ensure_ascii=False), encoding="utf-8")
    result = _load(path)
    assert [d.meta["ticket_id"] for d in result.documents] == ["1"]
    assert len(result.problems) == 3
    store = KBStore.for_dir(tmp_path / "kb")
    report = ingest_paths(store, [path])
    assert report.counts.added == 1 and len(report.problems) == 3
