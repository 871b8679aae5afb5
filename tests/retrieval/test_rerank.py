"""The second ranking stage on the real sample KB: its features, the shipped model, a model file
that cannot serve, the per-KB refit's refusals, and the cross-encoder plumbing with a tiny
model this test builds itself (no download)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kotae.eval.errors import DatasetError
from kotae.eval.rerank import RankData, cross_fit, fit, metrics
from kotae.eval.rerank_report import run_rerank_eval
from kotae.kb import Audience
from kotae.knowledge_base import open_kb
from kotae.retrieval.rerank import (
    FEATURES,
    SHIPPED,
    CrossEncoderReranker,
    LearnedReranker,
    RankModel,
    RankModelError,
    candidate_features,
)
from kotae.retrieval.rerank.model import DEFAULT_MODEL, KB_MODEL, save_model


def test_every_feature_has_a_direction_and_the_shipped_ones_exist() -> None:
    assert set(FEATURES.values()) <= {-1, 0, 1}
    assert SHIPPED and set(SHIPPED) <= set(FEATURES)


def test_candidates_carry_one_feature_row_each(sample_searcher) -> None:
    found = sample_searcher.candidates("パスワードを忘れました", audience=Audience.AGENT)
    X = candidate_features(found.query, found.items, found.table)
    assert X.shape == (len(found.items), len(FEATURES))
    assert 1 < len(found.items) <= sample_searcher.rerank_depth
    assert np.isfinite(X).all()
    assert len(found.texts) == len(found.items)


def test_the_shipped_model_serves_and_reads_known_features() -> None:
    model = RankModel(DEFAULT_MODEL)
    model.warm_up()
    assert model.features and set(model.features) <= set(FEATURES)
    assert model.trained_on and all(t["fingerprint"] for t in model.trained_on)
    assert not model.fitted_on("not-a-fingerprint")


def test_default_mode_reranks_and_names_the_stage(sample_searcher) -> None:
    assert isinstance(sample_searcher.reranker, LearnedReranker)
    found = sample_searcher.search("請求書の宛名を変更したい", audience=Audience.PUBLIC,
                                   mode="default")
    first = sample_searcher.search("請求書の宛名を変更したい", audience=Audience.PUBLIC,
                                   mode="hybrid")
    assert found.hits and "rerank" in found.hits[0].scores
    assert "rerank" not in first.hits[0].scores
    # the first stage's scores, dealt out in the new order
    assert [h.score for h in found.hits] == sorted((h.score for h in found.hits), reverse=True)
    assert found.hits[0].score == pytest.approx(first.hits[0].score)
    assert {h.doc_id for h in found.hits} <= {h.doc_id for h in first.hits} | {
        h.doc_id for h in sample_searcher.search("請求書の宛名を変更したい",
                                                 audience=Audience.PUBLIC, k=30).hits}


def test_the_confidence_reads_what_the_second_stage_saw_of_the_top_hit(sample_searcher) -> None:
    from kotae.retrieval.confidence import NOT_SHIPPED, SECOND_STAGE, shipped_curve

    found = sample_searcher.search("パスワードを忘れました", audience=Audience.PUBLIC,
                                   mode="default")
    f = found.features
    assert f is not None and 0.5 < f["title_cosine"] <= 1.0
    assert f["query_terms"] == 2  # パスワード, 忘れる
    assert 0 < f["title_coverage"] <= 1 and 0 < f["doc_coverage"] <= 1
    assert -1 < f["title_margin"] < 1 and -1 < f["sentence_margin"] < 1
    # a KB's own calibration reads them; the curve shipped for every other KB does not
    assert set(SECOND_STAGE) <= set(NOT_SHIPPED)
    assert not set(shipped_curve().weights) & set(NOT_SHIPPED)
    first = sample_searcher.search("パスワードを忘れました", audience=Audience.PUBLIC,
                                   mode="hybrid")
    assert first.features is not None and first.features["title_cosine"] == 0.0


def _tiny_data(rng: np.random.Generator, queries: int = 60, per: int = 8) -> RankData:
    """Candidates whose first feature says which one answers (plus noise)."""
    X = rng.normal(size=(queries * per, len(FEATURES)))
    label = np.zeros(queries * per, dtype=np.int64)
    label[rng.integers(0, per, queries) + np.arange(queries) * per] = 2
    X[:, 0] += label
    query = np.repeat(np.arange(queries), per)
    qids = [f"q{i}" for i in range(queries)]
    docs = [f"d{j}" for j in range(queries * per)]
    qrels = {q: {docs[i]: 2 for i in np.flatnonzero((query == n) & (label == 2))}
             for n, q in enumerate(qids)}
    return RankData("tiny", X, label, query, qids, docs, qrels)


def test_a_model_file_says_what_it_reads_and_refuses_what_it_cannot(tmp_path: Path) -> None:
    data = _tiny_data(np.random.default_rng(0))
    features = [next(iter(FEATURES))]
    booster = fit([data], features)
    path = tmp_path / KB_MODEL
    save_model(booster, features, path, [{"name": "tiny", "fingerprint": "f1", "queries": 60}])
    model = RankModel.for_kb(tmp_path)
    assert model.path == path and model.id == f"kb:{KB_MODEL}"
    scores = model.score(data.X)
    assert scores.shape == (len(data.label),) and model.fitted_on("f1")
    assert metrics(data, scores)["hit@1"] > metrics(data)["hit@1"]

    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(features[0], "a_feature_from_the_future", 1), encoding="utf-8")
    with pytest.raises(RankModelError, match="a_feature_from_the_future"):
        RankModel.for_kb(tmp_path).warm_up()
    path.write_text(text.partition("\n")[2], encoding="utf-8")
    with pytest.raises(RankModelError, match="header.*delete it"):
        RankModel.for_kb(tmp_path).warm_up()
    path.unlink()
    assert RankModel.for_kb(tmp_path).path == DEFAULT_MODEL


def test_cross_fitting_never_scores_a_query_with_its_own_model() -> None:
    data = _tiny_data(np.random.default_rng(1))
    leak = data.label.astype(np.float64)  # a "model" that saw the answers
    honest = cross_fit(data, [next(iter(FEATURES))])
    assert metrics(data, leak)["ndcg@10"] == pytest.approx(1.0)
    assert metrics(data, honest)["ndcg@10"] < 1.0


def test_a_kb_with_too_few_labelled_questions_keeps_the_shipped_model(
        sample_settings, tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"needs at least 10000 .*shipped model keeps"):
        run_rerank_eval([], tmp_path / "report", kb_dir=Path(sample_settings.home),
                        min_queries=10_000)
    assert not (Path(sample_settings.home) / KB_MODEL).exists()


def _tiny_cross_encoder(folder: Path) -> Path:
    """A one-layer BERT cross-encoder, saved the way a hub model is (random weights)."""
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("sentence_transformers")
    vocab = (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
             + list("パスワードを忘れた再設定請求書送りかログイン画面") + ["password", "reset"])
    folder.mkdir()
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    transformers.BertTokenizerFast(vocab_file=str(folder / "vocab.txt"),
                                   do_lower_case=True).save_pretrained(folder)
    config = transformers.BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1,
                                     num_attention_heads=2, intermediate_size=32, num_labels=1,
                                     max_position_embeddings=512)
    transformers.BertForSequenceClassification(config).save_pretrained(folder)
    return folder


def test_a_cross_encoder_is_one_setting_away(sample_settings, embedder, tmp_path: Path) -> None:
    folder = _tiny_cross_encoder(tmp_path / "tiny-ce")
    settings = sample_settings.model_copy(update={"reranker": "cross-encoder",
                                                  "reranker_model": str(folder)})
    kb = open_kb(settings, embedder=embedder)
    assert isinstance(kb.reranker, CrossEncoderReranker)
    assert kb.reranker.id == "cross-encoder:tiny-ce"
    scores = kb.reranker.scorer.score("パスワードを忘れた", ["ログイン画面から再設定", "請求書"])
    assert scores.shape == (2,) and np.isfinite(scores).all()
    found = kb.searcher.search("パスワードを忘れた", audience=Audience.PUBLIC, mode="default")
    assert found.hits and "rerank" in found.hits[0].scores


def test_a_second_stage_s_scores_give_the_samples_a_search_would_give() -> None:
    """The confidence of a refit is fitted on what ``Searcher.search`` would compute from the
    candidates: the best-scored one is the top hit, its cosine and margins, the arms' agreement."""
    from kotae.eval.calibrate import samples_from_ranking

    column = {name: i for i, name in enumerate(FEATURES)}
    X = np.zeros((5, len(FEATURES)))
    X[:, column["dense"]] = [0.90, 0.85, 0.80, 0.70, 0.88]
    X[:, column["dense_rank"]] = [0, 2, 3, 1, 0]
    X[:, column["bm25_rank"]] = [1, 0, 2, 0, 1]
    X[:, column["title_cos"]] = [0.80, 0.93, 0.85, 0.70, 0.75]
    X[:, column["cov_title"]] = [0.0, 0.6, 0.3, 1.0, 0.5]
    label = np.array([0, 2, 0, 2, 0])
    data = RankData("two", X, label, np.array([0, 0, 0, 1, 1]), ["a", "b"],
                    ["d1", "d2", "d3", "d4", "d5"], {"a": {"d2": 2}, "b": {"d4": 2}})
    first, second = samples_from_ranking(data, np.array([0.1, 2.0, 0.5, 1.0, 3.0]))
    assert first.correct and first.top_cosine == pytest.approx(0.85)  # d2, ranked up
    assert first.features["cosine_margin"] == pytest.approx(0.85 - 0.90)
    assert first.features["rerank_margin"] == pytest.approx(1.5)
    assert first.features["rerank_margin3"] == pytest.approx(1.9)  # over d1, the third
    assert first.features["arms_agree"] == 0.0  # BM25 put it first, dense did not
    # what the second stage saw of d2: its title, and its title against the others' best
    assert first.features["title_cosine"] == pytest.approx(0.93)
    assert first.features["title_margin"] == pytest.approx(0.93 - 0.85)
    assert first.features["title_coverage"] == pytest.approx(0.6)
    assert second.features["title_margin"] == pytest.approx(0.75 - 0.70)  # d5 over d4
    assert not second.correct and second.features["arms_agree"] == 0.0  # d5
    assert second.features["rerank_score"] == 3.0
    # two candidates: the margin over the third is the margin over the last one
    assert second.features["rerank_margin3"] == second.features["rerank_margin"] == 2.0
    with pytest.raises(ValueError, match="2 scores for 5 candidates"):
        samples_from_ranking(data, np.zeros(2))


@pytest.mark.slow
def test_learn_refit_refits_the_second_stage_and_its_confidence_on_what_was_learnt(
        sample_settings, copy_kb, tmp_path: Path) -> None:
    """`kotae learn --refit` on the sample KB: its past tickets' wordings, linked to the
    articles their replies used, are the labelled questions; the refit ranks them better than
    the shipped model on held-back folds, so it is saved, with a confidence curve fitted for
    its scores (never on its raw score, which moves from one fitted model to the next)."""
    from typer.testing import CliRunner

    from kotae.app.cli.main import app
    from kotae.retrieval import RetrievalConfig

    home = copy_kb(Path(sample_settings.home), tmp_path / "kb")
    result = CliRunner().invoke(app, ["learn", "--kb", str(home), "--refit",
                                      "--report", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    assert "wrote the refit" in result.output
    assert "ranks with the refit from its next" in result.output
    assert (tmp_path / "report" / "report.md").exists() and (home / KB_MODEL).exists()
    curve = RetrievalConfig.load(home).confidence
    # A clearer win of the top hit in the refit's scores raises the confidence. The two
    # margins (over the runner-up, over the third) move together on the few dozen learnt questions,
    # so the fit may share their weight either way; what it means is their sum.
    assert curve is not None
    assert curve.weights.get("rerank_margin", 0.0) + curve.weights.get("rerank_margin3", 0.0) > 0
    assert "rerank_score" not in curve.weights
    searcher = open_kb(sample_settings.model_copy(update={"home": home})).searcher
    assert searcher.reranker is not None and searcher.reranker.id != "learned:default"
    assert searcher.confidence_model() == curve
    hit = searcher.search("パスワードを忘れた", audience=Audience.PUBLIC, k=1)
    assert hit.hits and 0.0 < hit.confidence < 1.0


def test_learn_refit_with_too_few_questions_says_so_and_keeps_the_shipped_model(
        sample_settings, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from kotae.app.cli.main import app

    result = CliRunner().invoke(app, ["learn", "--kb", str(sample_settings.home), "--source",
                                      "vote", "--no-publish", "--refit",
                                      "--report", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    assert "refit skipped" in result.output and "needs at least 50" in result.output
    assert not (Path(sample_settings.home) / KB_MODEL).exists()
