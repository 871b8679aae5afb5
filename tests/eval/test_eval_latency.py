"""The latency eval: load statistics by hand, and one short real run (server + baseline)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kotae.eval import read_results, run_latency_eval
from kotae.eval.latency import measure_kotae
from kotae.eval.load import LoadResult, fire, queries_from_kb, summarise


def test_fire_counts_every_call_and_errors() -> None:
    seen: list[str] = []

    def call(q: str) -> None:
        seen.append(q)
        if q == "bad":
            raise RuntimeError("boom")

    result = fire(call, ["a", "b", "bad"], n=9, concurrency=3)
    assert len(seen) == 9 and result.errors == 3 and len(result.latencies_ms) == 6
    assert result.first_error == "RuntimeError: boom"


def test_summarise_by_hand() -> None:
    stats = summarise(LoadResult(latencies_ms=[float(i) for i in range(1, 101)], seconds=2.0))
    assert stats["p50_ms"] == pytest.approx(50.5) and stats["p99_ms"] == pytest.approx(99.01)
    assert stats["qps"] == pytest.approx(50.0) and stats["errors"] == 0


@pytest.mark.slow  # builds the session's sample KB when no other test did
def test_queries_from_the_sample_kb_are_distinct(sample_settings) -> None:
    queries = queries_from_kb(str(sample_settings.home))
    assert len(queries) > 50 and len(set(queries)) == len(queries)


@pytest.mark.slow
@pytest.mark.e2e
def test_real_server_against_the_langchain_baseline(sample_settings, embedder,
                                                    tmp_path: Path) -> None:
    pytest.importorskip("langchain_community")
    out = run_latency_eval(sample_settings.home, tmp_path / "lat", n=40, concurrency=2,
                           embedder=embedder)
    metrics = read_results(tmp_path / "lat")["metrics"]
    assert metrics["kotae-http"]["errors"] == 0 and metrics["kotae-http"]["qps"] > 0
    assert metrics["langchain-faiss-inprocess"]["qps"] > 0 and metrics["ratio"]["qps"] > 0
    assert metrics["embed-only-floor"]["errors"] == 0 and metrics["ratio_to_floor"]["p50"] > 0
    assert "in-process with no HTTP" in out.paths["md"].read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.e2e
@pytest.mark.parametrize("endpoint", ["deflect", "suggest"])
def test_the_server_is_timed_on_deflect_and_suggest_too(sample_settings, endpoint) -> None:
    queries = ["パスワードを忘れました", "請求書を再発行したい", "How do I cancel my plan?"]
    result = measure_kotae(sample_settings.home, queries, n=6, concurrency=2,
                           endpoint=endpoint)
    assert result.errors == 0 and len(result.latencies_ms) == 6, result.first_error
    with pytest.raises(ValueError, match="unknown endpoint"):
        measure_kotae(sample_settings.home, queries, n=1, concurrency=1, endpoint="answers")
