"""The CLI on real files: ingest (with bad input), search --json, help texts."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from kotae.app.cli import app
from kotae.app.cli.ingest import EXIT_SKIPPED

runner = CliRunner()


def _write_small_kb(folder):
    folder.mkdir()
    (folder / "reset.md").write_text(
        "---\ntitle: パスワードの再設定\nvisibility: public\n---\n# パスワードの再設定\n"
        "ログイン画面の「パスワードをお忘れの方」から再設定メールを送信します。\n",
        encoding="utf-8")
    (folder / "faq.csv").write_text(
        "question,answer\n請求書を再発行できますか？,請求書の詳細画面から再発行できます。\n",
        encoding="utf-8")


def test_ingest_reports_bad_files_keeps_the_rest_and_loses_nothing(tmp_path, embedder):
    src, kb = tmp_path / "src", tmp_path / "kb"
    _write_small_kb(src)
    first = runner.invoke(app, ["ingest", str(src), "--kb", str(kb)])
    assert first.exit_code == 0, first.output
    assert "added: 2" in first.output

    # Break the FAQ file (no question column) and add a malformed tickets file.
    (src / "faq.csv").write_text("質問じゃない,answer\nx,y\n", encoding="utf-8")
    (src / "tickets.jsonl").write_text(
        '{"id": "T1", "subject": "ログインできません", "body": "エラーになります", "reply": ""}\n'
        "{not json\n", encoding="utf-8")
    second = runner.invoke(app, ["ingest", str(src), "--kb", str(kb)])
    assert second.exit_code == EXIT_SKIPPED, second.output
    assert "faq.csv" in second.output and "question" in second.output
    assert "tickets.jsonl:2" in second.output

    # The FAQ entry ingested before is still searchable; the good ticket line went in.
    found = runner.invoke(app, ["search", "請求書の再発行", "--kb", str(kb), "--json"])
    assert any(h["kind"] == "faq" for h in json.loads(found.output)["hits"])
    tickets = runner.invoke(app, ["search", "ログイン", "--kb", str(kb), "--json",
                                  "--kind", "ticket"])
    assert [h["title"] for h in json.loads(tickets.output)["hits"]] == ["ログインできません"]


def test_ingest_twice_changes_nothing(tmp_path, embedder):
    src, kb = tmp_path / "src", tmp_path / "kb"
    _write_small_kb(src)
    assert runner.invoke(app, ["ingest", str(src), "--kb", str(kb)]).exit_code == 0
    again = runner.invoke(app, ["ingest", str(src), "--kb", str(kb)])
    assert again.exit_code == 0
    assert "added: 0  updated: 0  unchanged: 2" in again.output
    assert "index unchanged" in again.output and "0 newly embedded" in again.output


def test_prune_removes_documents_of_deleted_files(tmp_path, embedder):
    src, kb = tmp_path / "src", tmp_path / "kb"
    _write_small_kb(src)
    runner.invoke(app, ["ingest", str(src), "--kb", str(kb)])
    (src / "reset.md").unlink()
    pruned = runner.invoke(app, ["ingest", str(src), "--kb", str(kb), "--prune"])
    assert "removed: 1" in pruned.output
    hits = json.loads(runner.invoke(app, ["search", "パスワード", "--kb", str(kb),
                                          "--json"]).output)["hits"]
    assert all(h["kind"] != "manual" for h in hits)


def test_search_json_has_the_api_shape(sample_settings):
    out = runner.invoke(app, ["search", "パスワードを忘れた", "--kb", str(sample_settings.home),
                              "-k", "2", "--json", "--visibility", "public"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert set(body) >= {"query", "hits", "confidence"}
    assert len(body["hits"]) == 2 and all(h["visibility"] == "public" for h in body["hits"])


def test_bad_options_and_missing_index_are_clear(tmp_path):
    bad = runner.invoke(app, ["search", "x", "--kb", str(tmp_path), "--kind", "blog"])
    assert bad.exit_code == 2 and "allowed: manual, faq, ticket" in bad.output
    missing = runner.invoke(app, ["search", "x", "--kb", str(tmp_path)])
    assert missing.exit_code == 1 and "kotae ingest" in missing.output
    nothing = runner.invoke(app, ["ingest", str(tmp_path / "nope"), "--kb", str(tmp_path / "kb")])
    assert nothing.exit_code == EXIT_SKIPPED and "no such file or folder" in nothing.output


def test_help_texts():
    for cmd in (["--help"], ["ingest", "--help"], ["search", "--help"], ["serve", "--help"]):
        result = runner.invoke(app, cmd)
        assert result.exit_code == 0 and "--kb" in result.output or cmd == ["--help"]


def test_help_texts_keep_extras_and_read_as_paragraphs():
    """Rich's markup took 「kotae[st]」 for a style tag and dropped it, and kept a docstring's
    line breaks inside a sentence; the help is rendered as Markdown."""
    models = runner.invoke(app, ["models", "export-onnx", "--help"], env={"COLUMNS": "200"})
    assert models.exit_code == 0
    assert "kotae[st]" in models.output and "kotae[onnx]" in models.output
    listing = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    learn = next(line for line in listing.splitlines() if " learn " in line)
    assert "the agent's reply used" in learn  # one line at this width, not cut at the source's
