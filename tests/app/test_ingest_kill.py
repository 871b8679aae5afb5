"""kill -9 of a real `kotae ingest` process: the previous snapshot keeps serving, the store stays
consistent, and the next run picks up where the killed one stopped (no embedding is lost)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kotae.app.settings import Settings
from kotae.kb import SnapshotDir
from kotae.knowledge_base import open_kb
from kotae.retrieval import Audience

pytestmark = pytest.mark.slow

TOPICS = ["請求書", "見積書", "領収書", "納品書", "支払", "口座振替", "クレジットカード",
          "ログイン", "二段階認証", "メンバー招待", "権限", "CSV", "API", "Webhook", "SSO",
          "監査ログ"]
ACTIONS = ["作成", "削除", "複製", "送付", "再発行", "一括処理", "取り消し", "設定変更", "確認"]


def _faq_csv(path: Path, n: int, first: int = 0) -> None:
    rows = ["id,question,answer"]
    for i in range(first, first + n):
        topic, action = TOPICS[i % len(TOPICS)], ACTIONS[(i // len(TOPICS)) % len(ACTIONS)]
        rows.append(f"K-{i},{topic}の{action}方法 (その{i}),{topic}の{action}は設定画面の"
                    f"「{topic}」タブから行います。手順{i}として、対象を選んで{action}を押します。"
                    f"完了すると{topic}一覧に結果が表示され、担当者に通知が届きます。")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def _count(db: Path, table: str) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet, or locked for a moment
        return -1


def _start(src: Path, kb: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "kotae.app", "ingest", str(src), "--kb",
                             str(kb)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})


def _kill_when(proc: subprocess.Popen[bytes], ready, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None and not ready():
        time.sleep(0.05)
    assert proc.poll() is None, "the ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def _check_consistent(db: Path) -> None:
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        orphans = con.execute("SELECT count(*) FROM chunks WHERE doc_id NOT IN "
                              "(SELECT id FROM documents)").fetchone()[0]
        empty = con.execute("SELECT count(*) FROM documents WHERE id NOT IN "
                            "(SELECT doc_id FROM chunks)").fetchone()[0]
    assert (orphans, empty) == (0, 0)


def test_kill_9_mid_ingest_keeps_serving_and_the_next_run_picks_up(tmp_path: Path,
                                                                    embedder) -> None:
    src, kb = tmp_path / "src", tmp_path / "kb"
    src.mkdir()
    _faq_csv(src / "base.csv", 3)
    settings = Settings(home=kb)
    first = open_kb(settings, embedder=embedder).ingest([src])
    assert first.build is not None
    snapshots, db = SnapshotDir(kb), kb / "kotae.db"
    serving = snapshots.version()
    base_docs, base_vectors = _count(db, "documents"), _count(db, "embeddings")

    _faq_csv(src / "more.csv", 160, first=3)
    # Kill 1: as early as the lock is taken (loading, or inside the ingest transaction).
    proc = _start(src, kb)
    _kill_when(proc, lambda: (kb / ".ingest.lock").exists() and time.sleep(1.5) is None)
    assert snapshots.version() == serving
    assert _count(db, "documents") in (base_docs, base_docs + 160)  # all or nothing
    _check_consistent(db)

    # Kill 2: mid-embedding, after at least one batch of vectors was committed.
    proc = _start(src, kb)
    _kill_when(proc, lambda: _count(db, "embeddings") > base_vectors)
    assert snapshots.version() == serving
    _check_consistent(db)
    cached = _count(db, "embeddings")
    assert cached > base_vectors

    # The old snapshot still answers.
    searcher = open_kb(settings, embedder=embedder).searcher
    assert searcher.search("請求書の作成方法", audience=Audience.AGENT).hits

    # The next run picks up: every vector the killed run stored is reused, not embedded again
    # (texts are chunks and their sentences, so a document has several).
    outcome = open_kb(settings, embedder=embedder).ingest([src])
    assert outcome.build is not None and outcome.build.published
    assert outcome.build.embedded > 0
    assert outcome.build.reused >= first.build.embedded + (cached - base_vectors)
    assert snapshots.version() != serving
    assert outcome.build.manifest.documents == base_docs + 160
    assert not list((kb / "snapshots").glob(".tmp-*"))  # the killed build's leftovers are gone
    _check_consistent(db)
    found = open_kb(settings, embedder=embedder).searcher.search("Webhookの削除方法 (その29)",
                                                             audience=Audience.AGENT)
    assert any("Webhook" in h.title for h in found.hits)
