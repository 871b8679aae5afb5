"""The report writers, and `compare` on two results with a planted regression."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kotae.eval import Figure, Report, Table, compare_results, read_results, write_report
from kotae.eval.plots import curve_png, histogram_png


def _report(metrics: dict, per_query: dict, kind: str = "retrieval") -> Report:
    report = Report("Retrieval: tiny", kind=kind, results={
        "dataset": {"fingerprint": "abc"}, "embedder": "e", "metrics": metrics,
        "per_query": per_query})
    report.tables.append(Table("Metrics", ["mode", "ndcg@10"],
                               [[m, v["ndcg@10"]] for m, v in metrics.items()]))
    return report


def test_report_files_exist_and_parse(tmp_path: Path) -> None:
    report = _report({"bm25": {"ndcg@10": 0.5}}, {"bm25": {"q1": {"ndcg@10": 0.5}}})
    report.figures.append(Figure("Histogram", histogram_png({"bm25": [0.1, 0.5, 0.9]}, "h", "x")))
    report.figures.append(Figure("Curve", curve_png({"c": ([0.2, 1.0], [1.0, 0.7])}, "c", "x",
                                                    "y", {"t": (0.2, 1.0)}, hline=0.9)))
    paths = write_report(report, tmp_path / "out")
    assert "| bm25 | 0.5000 |" in paths["md"].read_text(encoding="utf-8")
    html = paths["html"].read_text(encoding="utf-8")
    HTMLParser().feed(html)
    assert html.count('src="data:image/png;base64,') == 2
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["kind"] == "retrieval" and data["metrics"]["bm25"]["ndcg@10"] == 0.5
    assert read_results(tmp_path / "out")["per_query"]["bm25"]["q1"]["ndcg@10"] == 0.5


def test_read_results_explains_a_wrong_file(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text('{"hello": 1}')
    with pytest.raises(ValueError, match='no "metrics"'):
        read_results(tmp_path)
    with pytest.raises(FileNotFoundError, match="give a results.json"):
        read_results(tmp_path / "nothing")


def test_compare_finds_a_planted_regression(tmp_path: Path) -> None:
    per_query = {f"q{i}": {"ndcg@10": 0.8} for i in range(10)}
    before = _report({"hybrid": {"ndcg@10": 0.8, "hit@1": 0.7}}, {"hybrid": per_query})
    worse = {**per_query, "q3": {"ndcg@10": 0.1}, "q7": {"ndcg@10": 0.5}, "q1": {"ndcg@10": 0.9}}
    after = _report({"hybrid": {"ndcg@10": 0.74, "hit@1": 0.7}}, {"hybrid": worse})
    a = read_results(write_report(before, tmp_path / "a")["json"])
    b = read_results(write_report(after, tmp_path / "b")["json"])
    result = compare_results(a, b)
    regressions = result.regressions()
    assert [(d.group, d.metric) for d in regressions] == [("hybrid", "ndcg@10")]
    assert regressions[0].delta == pytest.approx(-0.06)
    assert [(c.qid, c.b) for c in result.worse_queries] == [("q3", 0.1), ("q7", 0.5)]
    assert result.better_queries == {"hybrid": 1}
    assert not result.warnings


def test_compare_knows_lower_latency_is_better() -> None:
    a = {"kind": "latency", "metrics": {"kotae": {"p99_ms": 20.0, "qps": 100.0}}}
    b = {"kind": "latency", "metrics": {"kotae": {"p99_ms": 30.0, "qps": 120.0}}}
    assert [d.metric for d in compare_results(a, b).regressions()] == ["p99_ms"]
