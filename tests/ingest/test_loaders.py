"""Loaders on real files written in tmp_path: Markdown, text, HTML, FAQ CSV, tickets JSONL."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from kotae.ingest import Defaults, LoadError, ingest_paths
from kotae.ingest.loaders import loader_for
from kotae.ingest.loaders.documents import load_html, load_markdown, load_text
from kotae.ingest.loaders.faq_csv import load_faq_csv
from kotae.ingest.loaders.tickets import load_tickets_jsonl
from kotae.kb import KBStore, Kind, Visibility

FAQ_ROWS = [
    ("パスワードを忘れました", "ログイン画面の「パスワードをお忘れの方」から再設定できます。"),
    ("請求書の作り方を教えてください", "「請求書」メニューの「新規作成」から作成します。"),
    ("二段階認証を解除したい", "管理者に依頼して解除してください。"),
]


def _write_faq(path: Path, encoding: str, header: str = "question,answer,category") -> Path:
    lines = [header] + [f"{q},{a},account" for q, a in FAQ_ROWS]
    path.write_text("\r\n".join(lines) + "\r\n", encoding=encoding)
    return path


# --- Markdown, text, HTML --------------------------------------------------------------------


def test_markdown_front_matter_sets_fields(tmp_path: Path) -> None:
    path = tmp_path / "reset.md"
    path.write_text(
        "---\n"
        "title: パスワードを再設定する\n"
        "url: https://help.example.com/password-reset\n"
        "visibility: internal\n"
        "language: ja\n"
        "product: mirai-invoice\n"
        "category: account\n"
        "updated_at: 2026-05-12\n"
        "owner: support-team\n"
        "---\n\n"
        "# 見出しはタイトルにならない\n\nログイン画面から再設定できます。\n",
        encoding="utf-8",
    )
    [doc] = load_markdown(path, Defaults()).documents
    assert doc.title == "パスワードを再設定する"
    assert doc.url == "https://help.example.com/password-reset"
    assert doc.visibility is Visibility.INTERNAL
    assert doc.language == "ja"
    assert doc.product == "mirai-invoice"
    assert doc.category == "account"
    assert doc.updated_at == "2026-05-12"
    assert doc.kind is Kind.MANUAL
    assert doc.meta == {"owner": "support-team"}
    assert doc.source == str(path)
    assert "ログイン画面から再設定できます。" in doc.body
    assert "title:" not in doc.body


def test_markdown_title_from_first_heading_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / "invoice.md"
    path.write_text("前書き\n\n# 請求書を作成する\n\n## 手順\n\n新規作成を押します。\n",
                    encoding="utf-8")
    [doc] = load_markdown(path, Defaults()).documents
    assert doc.title == "請求書を作成する"
    assert doc.visibility is Visibility.PUBLIC
    assert doc.language == "ja"  # detected
    assert doc.url == "" and doc.product == ""


def test_markdown_without_heading_is_titled_by_file_name(tmp_path: Path) -> None:
    path = tmp_path / "no-heading.md"
    path.write_text("Open the settings page and click Save.\n", encoding="utf-8")
    [doc] = load_markdown(path, Defaults(product="mirai")).documents
    assert doc.title == "no-heading"
    assert doc.language == "en"
    assert doc.product == "mirai"


def test_markdown_with_bad_visibility_raises_load_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("---\nvisibility: secret\n---\n# 題\n本文。\n", encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_markdown(path, Defaults())
    assert info.value.path == str(path)
    assert "secret" in str(info.value) and "public" in str(info.value)


def test_markdown_with_invalid_yaml_raises_load_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.md"
    path.write_text("---\ntitle: [unclosed\n---\n# 題\n本文。\n", encoding="utf-8")
    with pytest.raises(LoadError, match="front matter"):
        load_markdown(path, Defaults())


def test_empty_markdown_raises_load_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.md"
    path.write_text("---\ntitle: 空\n---\n\n   \n", encoding="utf-8")
    with pytest.raises(LoadError, match="no text"):
        load_markdown(path, Defaults())


def test_plain_text_title_is_first_line(tmp_path: Path) -> None:
    path = tmp_path / "notice.txt"
    path.write_text("\n\nメンテナンスのお知らせ\n\n毎月第2日曜日に実施します。\n", encoding="utf-8")
    [doc] = load_text(path, Defaults()).documents
    assert doc.title == "メンテナンスのお知らせ"
    assert "毎月第2日曜日に実施します。" in doc.body
    assert doc.kind is Kind.MANUAL


def test_html_title_from_title_tag_and_chrome_removed(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>二段階認証を設定する</title>"
        '<meta name="visibility" content="internal">'
        '<link rel="canonical" href="https://help.example.com/2fa">'
        "<script>var tracking = 1;</script></head>"
        "<body><nav>メニュー</nav><main><h1>別の見出し</h1>"
        "<p>認証アプリでQRコードを読み取ります。</p></main>"
        "<footer>著作権表示</footer></body></html>",
        encoding="utf-8",
    )
    [doc] = load_html(path, Defaults()).documents
    assert doc.title == "二段階認証を設定する"
    assert doc.url == "https://help.example.com/2fa"
    assert doc.visibility is Visibility.INTERNAL
    assert "認証アプリでQRコードを読み取ります。" in doc.body
    for chrome in ("tracking", "メニュー", "著作権表示"):
        assert chrome not in doc.body


def test_html_without_title_uses_first_h1(tmp_path: Path) -> None:
    path = tmp_path / "page.htm"
    path.write_text("<html><body><h1>請求書の作成</h1><p>作成します。</p></body></html>",
                    encoding="utf-8")
    [doc] = load_html(path, Defaults()).documents
    assert doc.title == "請求書の作成"


def test_loader_for_picks_by_extension() -> None:
    assert loader_for(Path("a.MD")) is load_markdown
    assert loader_for(Path("a.csv")) is load_faq_csv
    assert loader_for(Path("a.jsonl")) is load_tickets_jsonl
    assert loader_for(Path("a.exe")) is None


# --- FAQ CSV ---------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_faq_csv_encodings_load_the_same_questions(tmp_path: Path, encoding: str) -> None:
    path = _write_faq(tmp_path / "faq.csv", encoding)
    result = load_faq_csv(path, Defaults())
    assert result.problems == []
    assert [d.question for d in result.documents] == [q for q, _ in FAQ_ROWS]
    assert [d.answer for d in result.documents] == [a for _, a in FAQ_ROWS]
    doc = result.documents[0]
    assert doc.kind is Kind.FAQ and doc.title == doc.question
    assert doc.category == "account"
    assert doc.visibility is Visibility.PUBLIC
    assert doc.language == "ja"


def test_faq_csv_ids_do_not_depend_on_encoding(tmp_path: Path) -> None:
    utf8 = load_faq_csv(_write_faq(tmp_path / "faq.csv", "utf-8"), Defaults()).documents
    sjis = load_faq_csv(_write_faq(tmp_path / "faq.csv", "cp932"), Defaults()).documents
    assert [d.id for d in utf8] == [d.id for d in sjis]
    assert [d.content_hash for d in utf8] == [d.content_hash for d in sjis]


def test_faq_csv_japanese_header_aliases(tmp_path: Path) -> None:
    path = _write_faq(tmp_path / "faq.csv", "cp932", header="質問,回答,カテゴリ")
    result = load_faq_csv(path, Defaults())
    assert [d.question for d in result.documents] == [q for q, _ in FAQ_ROWS]
    assert result.documents[0].category == "account"


def test_faq_csv_missing_question_column_names_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_text("title,answer\nパスワード,再設定できます。\n", encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_faq_csv(path, Defaults())
    assert info.value.path == str(path)
    assert str(path) in str(info.value)
    assert "question" in info.value.reason
    assert "answer" not in info.value.reason.split(";")[0]  # only the missing one is named


def test_faq_csv_bad_rows_are_problems_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_text(
        "id,question,answer,visibility\n"
        "Q1,パスワードを忘れた,再設定できます。,\n"
        "Q2,回答がない質問,,\n"
        "Q1,重複した質問,重複です。,\n"
        "Q3,社内向けの質問,社内向けの回答です。,internal\n"
        "Q4,公開範囲が変,回答です。,secret\n",
        encoding="utf-8",
    )
    result = load_faq_csv(path, Defaults())
    assert [d.meta["faq_id"] for d in result.documents] == ["Q1", "Q3"]
    assert result.documents[1].visibility is Visibility.INTERNAL
    assert [(p.path, p.line) for p in result.problems] == [(str(path), 3), (str(path), 4),
                                                          (str(path), 6)]
    assert not result.complete


def test_empty_csv_raises_load_error(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_bytes(b"")
    with pytest.raises(LoadError, match="empty"):
        load_faq_csv(path, Defaults())


# --- tickets ---------------------------------------------------------------------------------


def _ticket(number: int, **extra: object) -> str:
    record = {"id": f"T-{number}", "subject": f"ログインできません{number}",
              "body": "パスワードを忘れてしまいました。", "reply": "再設定手順をご案内します。",
              "status": "closed", "category": "account", "priority": "normal",
              "created_at": "2026-04-01T10:00:00+09:00", **extra}
    return json.dumps(record, ensure_ascii=False)


def test_tickets_malformed_line_is_a_problem_and_other_lines_load(tmp_path: Path) -> None:
    path = tmp_path / "tickets.jsonl"
    path.write_text("\n".join([_ticket(1), '{"id": "T-2", "subject": ', "", _ticket(3),
                               "[1, 2]"]) + "\n", encoding="utf-8")
    result = load_tickets_jsonl(path, Defaults())
    assert [d.meta["ticket_id"] for d in result.documents] == ["T-1", "T-3"]
    assert [(p.path, p.line) for p in result.problems] == [(str(path), 2), (str(path), 5)]
    assert "malformed JSON" in result.problems[0].message
    assert str(result.problems[0]).startswith(f"{path}:2: ")


def test_tickets_default_to_internal_and_keep_their_fields(tmp_path: Path) -> None:
    path = tmp_path / "tickets.jsonl"
    path.write_text(_ticket(1) + "\n" + _ticket(2, visibility="public") + "\n",
                    encoding="utf-8")
    first, second = load_tickets_jsonl(path, Defaults()).documents
    assert first.kind is Kind.TICKET
    assert first.visibility is Visibility.INTERNAL
    assert second.visibility is Visibility.PUBLIC  # an explicit value wins
    assert first.title == "ログインできません1"
    assert first.body == "パスワードを忘れてしまいました。"
    assert first.answer == "再設定手順をご案内します。"
    assert first.updated_at == "2026-04-01T10:00:00+09:00"
    assert first.meta["status"] == "closed" and first.meta["priority"] == "normal"
    assert first.language == "ja"


def test_tickets_without_id_or_text_are_problems(tmp_path: Path) -> None:
    path = tmp_path / "tickets.jsonl"
    path.write_text("\n".join([json.dumps({"subject": "idなし"}, ensure_ascii=False),
                               json.dumps({"id": "T-9"}), _ticket(1), _ticket(1)]),
                    encoding="utf-8")
    result = load_tickets_jsonl(path, Defaults())
    assert len(result.documents) == 1
    assert [p.line for p in result.problems] == [1, 2, 4]


# --- defaults and undecodable files ----------------------------------------------------------


def test_default_visibility_applies_to_a_folder_without_front_matter(tmp_path: Path) -> None:
    folder = tmp_path / "internal"
    folder.mkdir()
    (folder / "refund.md").write_text("# 返金対応手順\n\n承認を得てから返金します。\n",
                                      encoding="utf-8")
    (folder / "public.md").write_text("---\nvisibility: public\n---\n# 公開記事\n\n本文。\n",
                                      encoding="utf-8")
    store = KBStore.for_dir(tmp_path / "kb")
    report = ingest_paths(store, [folder], Defaults(visibility=Visibility.INTERNAL))
    assert report.problems == []
    by_title = {d.title: d for c, d in store.iter_chunks_with_documents()}
    assert by_title["返金対応手順"].visibility is Visibility.INTERNAL
    assert by_title["公開記事"].visibility is Visibility.PUBLIC


@pytest.mark.parametrize(("data", "message"), [
    (b"\x81\x00\x82\x00\xff\xfe\x00\x00" * 8, "binary file"),
    (bytes(range(256)) * 4, "binary file"),
    (bytes(b for b in random.Random(7).randbytes(600) if b), "unknown text encoding"),
])
@pytest.mark.parametrize("name", ["article.md", "faq.csv", "tickets.jsonl", "notes.txt"])
def test_undecodable_file_raises_load_error(tmp_path: Path, name: str, data: bytes,
                                            message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    loader = loader_for(path)
    assert loader is not None
    with pytest.raises(LoadError, match=message) as info:
        loader(path, Defaults())
    assert info.value.path == str(path)
