"""`kotae ingest` options on real files: --dry-run, --report (the quarantine), --columns,
--db-url."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kotae.app.cli import app
from kotae.app.cli.ingest import EXIT_SKIPPED

runner = CliRunner()


def _src(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "faq.csv").write_text(
        "question,answer\n請求書を再発行したい,詳細画面から再発行できます。\n", encoding="utf-8")
    return src


def test_dry_run_says_what_would_change_and_changes_nothing(tmp_path: Path, embedder) -> None:
    src, kb = _src(tmp_path), tmp_path / "kb"
    result = runner.invoke(app, ["ingest", str(src), "--kb", str(kb), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would be added: 1" in result.output and "1 chunk(s) would be embedded" in result.output
    assert not (kb / "CURRENT").exists()
    real = runner.invoke(app, ["ingest", str(src), "--kb", str(kb)])
    assert "added: 1" in real.output and (kb / "CURRENT").exists()
    again = runner.invoke(app, ["ingest", str(src), "--kb", str(kb), "--dry-run"])
    assert "would be added: 0" in again.output and "0 chunk(s) would be embedded" in again.output


def test_a_moved_folder_is_said_to_keep_its_documents(tmp_path: Path, embedder) -> None:
    src, kb = _src(tmp_path), tmp_path / "kb"
    assert runner.invoke(app, ["ingest", str(src), "--kb", str(kb)]).exit_code == 0
    found = runner.invoke(app, ["search", "請求書の再発行", "--kb", str(kb), "--json"])
    moved = src.rename(tmp_path / "moved")
    result = runner.invoke(app, ["ingest", str(moved), "--kb", str(kb), "--prune"])
    assert result.exit_code == 0, result.output
    assert "added: 0" in result.output and "removed: 0" in result.output
    assert "moved: 1 file(s) keep their documents and ids" in result.output
    again = runner.invoke(app, ["search", "請求書の再発行", "--kb", str(kb), "--json"])
    assert json.loads(again.output)["hits"][0]["doc_id"] == json.loads(found.output)["hits"][0][
        "doc_id"]


def test_report_lists_the_quarantine_until_files_are_fixed(tmp_path: Path, embedder) -> None:
    src, kb = _src(tmp_path), tmp_path / "kb"
    (src / "scan.pdf").write_bytes(b"%PDF-1.4 not really")
    (src / "tickets.jsonl").write_text('{"id": "T1", "subject": "ok", "body": "本文です"}\n'
                                       "{broken\n", encoding="utf-8")
    first = runner.invoke(app, ["ingest", str(src), "--kb", str(kb)])
    assert first.exit_code == EXIT_SKIPPED
    assert "skipped 2" in first.output
    report = runner.invoke(app, ["ingest", "--report", "--kb", str(kb)])
    assert report.exit_code == EXIT_SKIPPED
    assert "quarantine: 2 skipped" in report.output
    assert "scan.pdf: not a readable PDF" in report.output and "tickets.jsonl:2" in report.output
    (src / "scan.pdf").unlink()
    (src / "tickets.jsonl").write_text('{"id": "T1", "subject": "ok", "body": "本文です"}\n',
                                       encoding="utf-8")
    fixed = runner.invoke(app, ["ingest", str(src), "--kb", str(kb), "--report"])
    assert fixed.exit_code == 0, fixed.output
    assert "quarantine: empty" in fixed.output


def test_columns_option_maps_a_ticket_export(tmp_path: Path, embedder) -> None:
    src, kb = tmp_path / "src", tmp_path / "kb"
    src.mkdir()
    (src / "export.csv").write_text(
        "番号,件名,内容\nA-1,ログイン不可,山田と申します。ログインできません。\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(src), "--kb", str(kb), "--columns",
                                 "id=番号,subject=件名,body=内容"])
    assert result.exit_code == 0, result.output
    bad = runner.invoke(app, ["ingest", str(src), "--kb", str(kb), "--columns", "nope"])
    assert bad.exit_code == 2 and "field=column" in bad.output


def test_db_url_puts_the_store_on_postgresql(tmp_path: Path, embedder, pg_url: str) -> None:
    from kotae.kb import KBStore

    url = pg_url
    src, kb = _src(tmp_path), tmp_path / "kb"
    result = runner.invoke(app, ["ingest", str(src), "--kb", str(kb), "--db-url", url])
    assert result.exit_code == 0, result.output
    assert not (kb / "kotae.db").exists() and KBStore(url).count()["documents"] == 1
    found = runner.invoke(app, ["search", "請求書の再発行", "--kb", str(kb), "--json"])
    assert '"kind": "faq"' in found.output
