"""The server survives: a read-only KB, a locked database, a damaged index, SIGTERM mid-request.

Every fault is real. File modes are enforced by the OS (as root, the server runs without the
capabilities that let root write read-only files); the write lock is held by another process
(this one) on the server's SQLite file; index files of a published snapshot are damaged on
disk; the signal goes to a real ``kotae serve``. Each test works on its own copy of the
session's sample KB.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import kotae.app.api  # noqa: F401  (registers every table the app uses, for KB copies made here)
from kotae.app.cli import app as cli
from kotae.kb import (
    Channel,
    EventType,
    KBStore,
    Kind,
    QueryEvent,
    QueryLog,
    SnapshotDir,
    Visibility,
)
from kotae.kb.feedback import FeedbackStore, SuggestionRecord
from kotae.kb.sqlite import BUSY_TIMEOUT_S
from kotae.retrieval import Audience, IndexCorrupt, Searcher

KEYS = {"agent": "faults-agent", "editor": "faults-editor"}
API_KEYS = ",".join(f"{role}:{key}" for role, key in KEYS.items())
QUESTION = "パスワードを忘れた"
UNANSWERED = "領収書の宛名を会社名に変えたい"  # asked in three sessions, never answered


def _public_doc(kb: Path) -> str:
    with sqlite3.connect(kb / "kotae.db") as db:
        row = db.execute("SELECT id FROM documents WHERE visibility = ? AND kind = ? LIMIT 1",
                         (Visibility.PUBLIC.value, Kind.FAQ.value)).fetchone()
    return str(row[0])


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    else:  # garble: 64 bytes in the middle, the header intact
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes(b ^ 0x5A for b in data[middle:middle + 64])
                         + data[middle + 64:])


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def _write_lock(db: Path) -> Iterator[sqlite3.Connection]:
    """SQLite's write lock on ``db``, held by this process until the block ends."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    try:
        yield conn
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def _vote(base: str, doc_id: str) -> httpx.Response:
    return httpx.post(f"{base}/v1/feedback/vote", json={"helpful": True, "doc_id": doc_id},
                      timeout=60)


def _bearer(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[role]}"}


def _output(proc: subprocess.Popen[bytes]) -> str:
    """Stop the server and return what it printed."""
    proc.terminate()
    proc.wait(timeout=60)
    return proc.output()  # type: ignore[attr-defined]  # see tests/app/conftest.py


# --- a read-only KB ---------------------------------------------------------------------------

def _unprivileged() -> list[str]:
    """The command prefix under which file modes bind the server: none for a normal user; as
    root, setpriv (util-linux) drops the capabilities that let root write read-only files."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file modes cannot bind the server")
    caps = "-dac_override,-dac_read_search,-fowner"
    prefix = [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}", "--"]
    if subprocess.run([*prefix, "true"], capture_output=True).returncode != 0:
        pytest.skip("setpriv cannot drop capabilities here (no CAP_SETPCAP)")
    return prefix


def _set_modes(kb: Path, writable: bool) -> None:
    for path in [kb, *kb.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755 if writable else 0o555)
        else:
            path.chmod(0o644 if writable else 0o444)


def _seed(kb: Path) -> tuple[str, str, str]:
    """A public article, a logged search (unanswered, asked in three sessions) and a stored
    suggestion: things the writes under test act on. Returns their ids."""
    store = KBStore.for_dir(kb)
    log = QueryLog(store)
    events = [log.record(QueryEvent(channel=Channel.HELP, event=EventType.SEARCH,
                                    query=UNANSWERED, language="ja", confidence=0.1,
                                    session_id=uuid.uuid4().hex)) for _ in range(3)]
    suggestion = uuid.uuid4().hex
    FeedbackStore(store).add_suggestion(SuggestionRecord(
        id=suggestion, subject="ログインできない", body="パスワードを忘れました", draft="…"))
    store.engine.dispose()
    return _public_doc(kb), events[0], suggestion


@pytest.mark.e2e
@pytest.mark.slow
def test_a_read_only_kb_refuses_writes_with_503_and_goes_on_answering(copy_kb,
        sample_settings, tmp_path, serve_process):
    kb = copy_kb(sample_settings.home, tmp_path / "kb")
    doc_id, event_id, suggestion_id = _seed(kb)
    before = _digest(kb / "kotae.db")
    prefix = _unprivileged()
    _set_modes(kb, writable=False)
    try:
        # The fault is real: under the same prefix, nothing can be written into the KB.
        probe = subprocess.run([*prefix, sys.executable, "-c",
                                f"open({str(kb / 'probe')!r}, 'w')"], capture_output=True)
        assert probe.returncode != 0 and b"PermissionError" in probe.stderr

        with serve_process(kb, API_KEYS, prefix=prefix) as (proc, base), \
                httpx.Client(base_url=base, timeout=300) as client:
            # Reads answer; the logging that comes with them is skipped.
            search = client.get("/v1/search", params={"q": QUESTION})
            assert search.status_code == 200 and search.json()["hits"]
            for _ in range(2):
                page = client.get("/help", params={"q": QUESTION})
                assert page.status_code == 200 and 'class="result-title"' in page.text
            assert client.get("/help/results", params={"q": QUESTION + "の",
                                                       "replace": event_id}).status_code == 200
            article = client.get(f"/help/articles/{doc_id}", params={"e": event_id})
            assert article.status_code == 200
            report = client.get("/v1/gaps", params={"since": "all", "min_size": 1},
                                headers=_bearer("editor"))
            assert report.status_code == 200, report.text
            gap_id = report.json()["gaps"][0]["id"]

            # Writes answer 503 saying the KB is read-only.
            writes = [
                ("/v1/feedback/vote", {"helpful": True, "doc_id": doc_id}, None),
                ("/v1/feedback/click", {"event_id": event_id, "doc_id": doc_id}, None),
                ("/v1/deflect", {"question": QUESTION}, None),
                (f"/v1/deflect/{event_id}/feedback", {"helpful": False}, None),
                (f"/v1/suggest/{suggestion_id}/outcome", {"outcome": "used"}, "agent"),
                (f"/v1/gaps/{gap_id}/accept?since=all&min_size=1",
                 {"question": "領収書の宛名は変えられますか", "answer": "はい、変更できます。"},
                 "editor"),
            ]
            for path, body, role in writes:
                r = client.post(path, json=body, headers=_bearer(role) if role else {})
                assert r.status_code == 503, (path, r.status_code, r.text)
                assert "read-only" in r.json()["detail"], path
                assert "Retry-After" not in r.headers  # waiting will not help
            # A help-center form gets a page, in the customer's language.
            form = client.post("/help/contact", data={"body": "宛名を変えたいです"},
                               headers={"Accept": "text/html", "Accept-Language": "ja"})
            assert form.status_code == 503 and form.headers["content-type"].startswith(
                "text/html")
            assert "記録されていません" in form.text and "読み取り専用" in form.text
            out = _output(proc)
    finally:
        _set_modes(kb, writable=True)
    assert out.count("query log not written") == 1, out  # one warning, not one per search
    assert "Traceback" not in out, out
    assert _digest(kb / "kotae.db") == before  # and nothing was written


# --- a locked database --------------------------------------------------------------------------

@pytest.mark.e2e
@pytest.mark.slow
def test_a_locked_database_gets_writes_503_with_retry_after_and_reads_go_on(copy_kb,
        sample_settings, tmp_path, serve_process):
    kb = copy_kb(sample_settings.home, tmp_path / "kb")
    doc_id = _public_doc(kb)
    with serve_process(kb, API_KEYS) as (proc, base):
        # The first request of a fresh server needs the query log before the store (it hung).
        assert _vote(base, doc_id).status_code == 200
        with _write_lock(kb / "kotae.db"):
            start = time.monotonic()
            vote = _vote(base, doc_id)
            waited = time.monotonic() - start
            assert vote.status_code == 503, vote.text
            assert "busy" in vote.json()["detail"]
            assert vote.headers["Retry-After"] == str(math.ceil(BUSY_TIMEOUT_S))
            assert BUSY_TIMEOUT_S - 0.5 <= waited < BUSY_TIMEOUT_S + 15  # bounded, not forever

            start = time.monotonic()
            search = httpx.get(f"{base}/v1/search", params={"q": QUESTION}, timeout=60)
            assert search.status_code == 200 and search.json()["hits"]
            assert time.monotonic() - start < BUSY_TIMEOUT_S - 1  # never waits for the lock
            page = httpx.get(f"{base}/help", params={"q": QUESTION}, timeout=60)
            assert page.status_code == 200 and 'class="result-title"' in page.text
        assert _vote(base, doc_id).status_code == 200  # and writes work again at once
        out = _output(proc)
    assert out.count("query log not written") == 1, out
    assert "Traceback" not in out, out


# --- a damaged index ----------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize(("damaged", "damage", "workers"), [
    ("dense.faiss", "garble", "1"), ("bm25/data.csc.index.npy", "truncate", "1"),
    ("dense.faiss", "garble", "2")])  # several workers: checked once, before any starts
def test_serve_stops_at_a_damaged_index_with_one_line_saying_what_to_do(copy_kb,
        sample_settings, tmp_path, embedder, tokenizer, damaged, damage, workers):
    kb = copy_kb(sample_settings.home, tmp_path / "kb")
    path = SnapshotDir(kb).require_current() / damaged
    _damage(path, damage)
    done = subprocess.run([sys.executable, "-m", "kotae.app", "serve", "--kb", str(kb),
                           "--port", "0", "--workers", workers], capture_output=True,
                          timeout=300)
    assert done.returncode == 1
    errors = [line for line in done.stderr.decode().splitlines() if line.startswith("error:")]
    assert errors == [f"error: index file {path} is unreadable (its checksum differs from the "
                      f"one recorded at build); rebuild the index: kotae ingest --rebuild "
                      f"--kb {kb}"]
    assert b"Traceback" not in done.stderr + done.stdout

    # What it says to do works.
    rebuilt = CliRunner().invoke(cli, ["ingest", "--rebuild", "--kb", str(kb)])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "index published" in rebuilt.output
    assert Searcher(kb, embedder, tokenizer).warm_up().chunks > 0


@pytest.mark.slow
def test_a_damaged_new_snapshot_is_logged_and_the_old_one_keeps_serving(copy_kb,
        sample_settings, tmp_path, embedder, tokenizer, caplog):
    kb = copy_kb(sample_settings.home, tmp_path / "kb")
    searcher = Searcher(kb, embedder, tokenizer)
    first = searcher.search(QUESTION, audience=Audience.PUBLIC)
    snapshots = SnapshotDir(kb)
    serving = snapshots.require_current()
    with snapshots.publish() as folder:
        shutil.copytree(serving, folder, dirs_exist_ok=True)
        _damage(folder / "dense.faiss", "truncate")
    damaged = snapshots.version()
    with caplog.at_level(logging.ERROR, logger="kotae.retrieval.searcher"):
        for _ in range(3):
            result = searcher.search(QUESTION, audience=Audience.PUBLIC)
            assert result.snapshot == first.snapshot
            assert [h.chunk_id for h in result.hits] == [h.chunk_id for h in first.hits]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, errors  # once, not once per query
    assert damaged in errors[0] and "dense.faiss" in errors[0]

    with pytest.raises(IndexCorrupt) as info:  # a fresh searcher has nothing to fall back on
        Searcher(kb, embedder, tokenizer).warm_up()
    assert info.value.path == str(snapshots.require_current() / "dense.faiss")

    with snapshots.publish() as folder:  # a good snapshot published after it is taken up
        shutil.copytree(serving, folder, dirs_exist_ok=True)
    assert searcher.search(QUESTION, audience=Audience.PUBLIC).snapshot == snapshots.version()


# --- SIGTERM ------------------------------------------------------------------------------------

@pytest.mark.e2e
@pytest.mark.slow
def test_sigterm_lets_the_request_in_flight_finish_then_exits_0(copy_kb,
        sample_settings, tmp_path, serve_process):
    kb = copy_kb(sample_settings.home, tmp_path / "kb")
    doc_id = _public_doc(kb)
    with serve_process(kb, API_KEYS) as (proc, base):
        assert _vote(base, doc_id).status_code == 200
        with ThreadPoolExecutor(1) as pool:
            with _write_lock(kb / "kotae.db"):
                in_flight = pool.submit(_vote, base, doc_id)  # waits in the server for the lock
                time.sleep(1.5)
                proc.send_signal(signal.SIGTERM)
                time.sleep(1.0)
                assert proc.poll() is None  # draining
                with pytest.raises(httpx.ConnectError):  # and taking no new requests
                    httpx.get(f"{base}/healthz", timeout=5)
            assert in_flight.result(timeout=60).status_code == 200
        assert proc.wait(timeout=60) == 0
        out = proc.output()  # type: ignore[attr-defined]
    assert "Traceback" not in out, out
