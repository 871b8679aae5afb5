"""The harness end to end on a tiny dataset, through the real embedder, store and indexes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kotae.eval import (
    read_beir,
    read_results,
    run_deflection_eval,
    run_ingest_eval,
    run_retrieval_eval,
)
from kotae.eval.corpus_kb import prepare_kb
from kotae.eval.setup import EvalOptions
from kotae.kb import KBStore
from kotae.kb.settings import KBSettings
from kotae.knowledge_base import open_kb
from kotae.retrieval import RetrievalConfig


@pytest.mark.slow  # ~10-20 s on 2 shared cores: model load, ranx's first compile, 3 modes
def test_retrieval_all_modes_then_reuse_the_kb(tiny_beir: Path, tmp_path: Path,
                                               embedder) -> None:
    options = EvalOptions(kb_dir=tmp_path / "kb")
    first = run_retrieval_eval(tiny_beir, ["bm25", "dense", "hybrid"], tmp_path / "r1",
                               options, embedder=embedder)
    assert set(first.result.metrics) == {"bm25", "dense", "hybrid"}
    assert first.result.metrics["hybrid"]["hit@1"] == 1.0  # each query has an obvious answer
    assert set(first.result.per_query["dense"]) == {"q1", "q2", "q3"}  # q4 is out of scope
    results = read_results(tmp_path / "r1")
    # 5 chunks and their 5 sentences (the second stage's)
    assert results["ingest"]["embedded"] == 10 and results["dataset"]["documents"] == 5
    assert results["embedder"] == embedder.id and "cpus" in results["machine"]
    run_file = (tmp_path / "r1" / "run-hybrid.tsv").read_text().splitlines()
    assert run_file[0].split("\t")[:4] == ["q1", "Q0", "pw", "1"]

    again = run_retrieval_eval(tiny_beir, ["hybrid"], tmp_path / "r2", options,
                               embedder=embedder)
    assert read_results(tmp_path / "r2")["ingest"]["embedded"] == 0  # embeddings reused
    assert again.result.metrics["hybrid"] == first.result.metrics["hybrid"]


def test_fusion_override_does_not_touch_the_kb_settings(tiny_beir: Path, tmp_path: Path,
                                                        embedder) -> None:
    options = EvalOptions(kb_dir=tmp_path / "kb", fusion="rrf", bm25_weight=0.3)
    out = run_retrieval_eval(tiny_beir, ["hybrid"], tmp_path / "r", options, embedder=embedder)
    config = read_results(tmp_path / "r")["retrieval_config"]
    # --bm25-weight splits bm25/dense; the question router's weight is left as configured
    assert config["fusion"] == "rrf"
    assert config["weights"] == {"bm25": 0.3, "dense": 0.7, "router": 1.0, "reading": 0.1,
                                 "synonym": 0.1}
    assert not (tmp_path / "kb" / "settings.json").exists()
    assert out.result.metrics["hybrid"]["ndcg@10"] > 0.5


def test_deflection_writes_the_threshold_into_the_kb(tiny_beir: Path, tmp_path: Path,
                                                     embedder) -> None:
    out = run_deflection_eval(tiny_beir, tmp_path / "d", EvalOptions(kb_dir=tmp_path / "kb"),
                              target=0.9, fit=False, embedder=embedder)
    chosen = out.chosen["current"]
    assert chosen is not None and chosen.precision >= 0.9
    assert RetrievalConfig.load(tmp_path / "kb").answer_threshold == pytest.approx(
        chosen.threshold, abs=1e-6)
    results = json.loads((tmp_path / "d" / "results.json").read_text(encoding="utf-8"))
    assert results["metrics"]["current"]["threshold"] == chosen.threshold
    assert len(results["per_query"]["default"]) == 4  # the out-of-scope query is counted too
    assert (tmp_path / "d" / "report.html").read_text().count("data:image/png") == 2


def test_ingest_benchmark(tmp_path: Path, embedder) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.md").write_text("# 請求書\n請求書は毎月1日に発行されます。", encoding="utf-8")
    (src / "b.md").write_text("# Login\nReset your password from the login page.",
                              encoding="utf-8")
    out = run_ingest_eval([src], tmp_path / "report", embedder=embedder)
    metrics = read_results(tmp_path / "report")["metrics"]["ingest"]
    assert metrics["documents"] == 2 and metrics["tokens"] > 0
    assert 0 < metrics["embed_share"] <= 1 and metrics["docs_per_s"] > 0
    assert "Ingestion" in out.paths["md"].read_text(encoding="utf-8")


def test_deflection_ships_the_fitted_curve_for_the_second_stage(tiny_beir: Path, tmp_path: Path,
                                                               embedder) -> None:
    """``--ship`` writes the fitted curve where the shipped second stage's default is read
    from, saying which ranker and which queries it was fitted on; the KB is left alone."""
    from kotae.retrieval import ConfidenceModel

    path = tmp_path / "curve.json"
    out = run_deflection_eval(tiny_beir, tmp_path / "d", EvalOptions(kb_dir=tmp_path / "kb"),
                              target=0.9, write=False, embedder=embedder, ship=path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["ranker"] == "learned:default" and data["fitted_on"]["queries"] == 4
    assert ConfidenceModel.from_dict(data) == out.shipped is not None
    assert not set(out.shipped.weights) & {"fused_margin", "top_share"}  # KB-shaped: left out
    # 4 queries are too few to score it on held-out folds: the report says so
    assert any("no cross-fitted figure" in n for n in out.report.notes)
    assert any("shipped second stage's default" in n for n in out.report.notes)
    assert not (tmp_path / "kb" / "settings.json").exists()


def test_a_copied_kb_holds_its_corpus_once(tiny_beir: Path, tmp_path: Path, embedder) -> None:
    """A KB folder copied to try something on it still lists the original folder's corpus
    files; the copy's search must not find every entry twice."""
    data = read_beir(tiny_beir)
    first = prepare_kb(data, tmp_path / "kb", KBSettings(), embedder)
    # A team's own page in the same KB (a KB given as --kb) is never removed.
    own = tmp_path / "manuals"
    own.mkdir()
    (own / "refunds.md").write_text("# 返金について\n\n返金は管理画面から申請できます。\n",
                                    encoding="utf-8")
    open_kb(KBSettings(home=tmp_path / "kb"), embedder=embedder).ingest([own])
    shutil.copytree(tmp_path / "kb", tmp_path / "copy")
    copy = prepare_kb(data, tmp_path / "copy", KBSettings(), embedder)
    assert KBStore.for_dir(tmp_path / "copy").count()["documents"] == len(data.corpus) + 1
    assert sorted(copy.to_corpus.values()) == sorted(first.to_corpus.values())
    assert copy.build.manifest.chunks == first.build.manifest.chunks + 1
    # The original is untouched, and a moved KB keeps its documents' ids.
    assert KBStore.for_dir(tmp_path / "kb").count()["documents"] == len(data.corpus) + 1
    shutil.move(tmp_path / "kb", tmp_path / "moved")
    moved = prepare_kb(data, tmp_path / "moved", KBSettings(), embedder)
    assert moved.to_corpus == first.to_corpus
