"""The confidence features (margins over the runner-up, top share) and the calibrated curve,
by hand and on the ingested sample KB; a KB calibrated before the features existed keeps its
confidence."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from kotae.retrieval import Audience, ConfidenceModel, RetrievalConfig, Searcher
from kotae.retrieval.confidence import (
    FEATURES,
    SHARE_K,
    ConfidenceFeatures,
    confidence_features,
)

# settings.json as kotae wrote it before the margins and the share were features.
OLD_SETTINGS = {"retrieval": {"answer_threshold": 0.58, "confidence": {
    "center": 0.85, "scale": 26.1, "agreement_bonus": 2.59}}}


def old_confidence(top_cosine: float, arms_agree: bool) -> float:
    """The curve as it was: cosine and agreement only."""
    z = (top_cosine - 0.85) * 26.1 + (2.59 if arms_agree else 0.0)
    return 1.0 / (1.0 + math.exp(-z))


def test_features_by_hand() -> None:
    fused = [("a", 0.95), ("a", 0.9), ("b", 0.7), ("c", 0.2)]
    dense = [("b", 0.91), ("a", 0.88), ("a", 0.87), ("c", 0.8)]
    got = confidence_features("a", 0.88, fused, dense, bm25_top="a")
    assert not got.arms_agree  # dense prefers b
    assert got.cosine_margin == pytest.approx(0.88 - 0.91)  # behind the runner-up: negative
    assert got.fused_margin == pytest.approx(0.95 - 0.7)
    assert got.top_share == pytest.approx(2 / SHARE_K)
    agree = confidence_features("b", 0.91, [("b", 1.0)], dense, bm25_top="b")
    assert agree.arms_agree and agree.cosine_margin == pytest.approx(0.91 - 0.88)


def test_without_a_runner_up_the_margins_are_zero() -> None:
    got = confidence_features("a", 0.9, [("a", 1.0), ("a", 0.5)], [("a", 0.9)], bm25_top=None)
    assert (got.cosine_margin, got.fused_margin, got.arms_agree) == (0.0, 0.0, False)
    assert got.top_share == pytest.approx(1 / SHARE_K)


def test_the_curve_adds_the_weighted_features() -> None:
    model = ConfidenceModel(center=0.85, scale=20.0, weights={
        "arms_agree": 1.0, "cosine_margin": 10.0, "fused_margin": 2.0, "top_share": 3.0})
    features = ConfidenceFeatures(0.9, {"arms_agree": 1.0, "cosine_margin": 0.05,
                                        "fused_margin": 0.5, "top_share": 0.4})
    z = 0.05 * 20.0 + 1.0 + 10.0 * 0.05 + 2.0 * 0.5 + 3.0 * 0.4
    assert model.score(features) == pytest.approx(1 / (1 + math.exp(-z)))
    assert model.score(ConfidenceFeatures(None)) == 0.0
    extreme = ConfidenceModel(weights={"top_share": -1e6})
    assert 0.0 < extreme.score(ConfidenceFeatures(0.5, {"top_share": 1.0})) < 1e-200


def test_features_and_weights_are_named() -> None:
    with pytest.raises(ValueError, match="unknown confidence weight bogus"):
        ConfidenceModel(weights={"bogus": 1.0})
    with pytest.raises(ValueError, match="unknown confidence feature"):
        ConfidenceFeatures(0.9, {"bogus": 1.0})
    features = ConfidenceFeatures(0.9, {"top_share": 0.3})
    assert features["top_share"] == features.top_share == 0.3 and features.router_prob == 0.0
    assert set(features.as_dict()) == {"top_cosine", *FEATURES}


def test_an_old_settings_file_loads_with_the_new_weights_off(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text(json.dumps(OLD_SETTINGS), encoding="utf-8")
    model = RetrievalConfig.load(tmp_path).confidence
    assert model.weights == {"arms_agree": 2.59}
    for cosine, agree in [(0.8, False), (0.86, True), (0.93, True)]:
        # Margins and share no longer matter: exactly the old value, whatever they are.
        features = ConfidenceFeatures(cosine, {"arms_agree": float(agree), "cosine_margin": 0.2,
                                               "fused_margin": 0.7, "top_share": 0.9})
        assert model.score(features) == old_confidence(cosine, agree)


def test_a_settings_file_of_weights_by_field_loads_by_name(tmp_path: Path) -> None:
    old = {"center": 0.9, "scale": 30.0, "agreement_bonus": 0.5, "margin_weight": -3.0,
           "fused_margin_weight": 4.0, "share_weight": 5.0, "router_weight": 0.0,
           "phrasing_weight": 2.0}
    assert ConfidenceModel.from_dict(old).weights == {
        "arms_agree": 0.5, "cosine_margin": -3.0, "fused_margin": 4.0, "top_share": 5.0,
        "phrasing_lift": 2.0}


def test_new_weights_survive_save_and_load(tmp_path: Path) -> None:
    model = ConfidenceModel(center=0.9, scale=30.0, weights={
        "arms_agree": 0.5, "cosine_margin": -3.0, "fused_margin": 4.0, "top_share": 5.0})
    RetrievalConfig(confidence=model).save(tmp_path)
    assert RetrievalConfig.load(tmp_path).confidence == model


@pytest.mark.parametrize("query", ["パスワードを忘れた", "請求書を PDF でダウンロードしたい",
                                   "今日の東京の天気は？"])
def test_an_old_kb_searches_with_the_old_confidence(
        sample_searcher: Searcher, embedder, tokenizer, tmp_path: Path, query: str) -> None:
    """The sample KB searched with an old settings file: the confidence is the old formula of
    the top cosine and the arms' agreement (found with single-arm searches, as before)."""
    (tmp_path / "settings.json").write_text(json.dumps(OLD_SETTINGS), encoding="utf-8")
    old = Searcher(sample_searcher.snapshots.kb_dir, embedder, tokenizer,
                   RetrievalConfig.load(tmp_path))
    result = old.search(query, audience=Audience.PUBLIC)
    top = result.hits[0]
    bm25 = old.search(query, audience=Audience.PUBLIC, k=1, mode="bm25").hits
    dense = old.search(query, audience=Audience.PUBLIC, k=1, mode="dense").hits
    agree = bool(bm25 and dense and bm25[0].doc_id == dense[0].doc_id == top.doc_id)
    assert top.scores["dense"] is not None
    assert result.confidence == old_confidence(top.scores["dense"], agree)
    assert result.features is not None and result.features.arms_agree == agree


def test_features_do_not_depend_on_k(sample_searcher: Searcher) -> None:
    wide = sample_searcher.search("パスワードを忘れた", audience=Audience.PUBLIC, k=10)
    narrow = sample_searcher.search("パスワードを忘れた", audience=Audience.PUBLIC, k=1)
    assert wide.features == narrow.features and wide.confidence == narrow.confidence
    features = wide.features
    assert features is not None and features.top_cosine == wide.hits[0].scores["dense"]
    # the best fused score (the first stage's) minus the best of any document but the top hit
    fused = sample_searcher.search("パスワードを忘れた", audience=Audience.PUBLIC, k=10,
                                   mode="hybrid").hits
    others = [h.score for h in fused if h.doc_id != wide.hits[0].doc_id]
    assert features.fused_margin == pytest.approx(fused[0].score - others[0])
    assert 0.0 < features.top_share <= 1.0
    assert sample_searcher.search("パスワード", audience=Audience.PUBLIC,
                                  mode="bm25").features is None


def test_a_clear_winner_leads_the_dense_arm(sample_searcher: Searcher) -> None:
    on_topic = sample_searcher.search("二段階認証を設定したい", audience=Audience.PUBLIC).features
    off_topic = sample_searcher.search("今日の東京の天気は？", audience=Audience.PUBLIC).features
    assert on_topic is not None and off_topic is not None
    assert on_topic.cosine_margin > 0 > off_topic.cosine_margin  # fused top ≠ dense top
    assert on_topic.top_share > off_topic.top_share
    # The fused margin is not such evidence on its own: min-max fusion puts a weak best BM25
    # match at the top of its arm too (its weight comes from calibration).


def test_an_uncalibrated_kb_scores_with_the_default_of_its_stages() -> None:
    """The shipped second stage has its own curve, which reads its scores; any other ranker
    (a KB's refit, a cross-encoder: scores on another scale) and the first stage alone get the
    first stage's curve."""
    from kotae.retrieval.confidence import SHIPPED_RANKER, default_confidence, shipped_curve

    shipped = default_confidence(SHIPPED_RANKER)
    assert shipped is shipped_curve() and shipped.weights.get("rerank_score", 0.0) > 0
    for other in (None, "learned:kb:rerank.txt", "cross-encoder:tiny"):
        assert default_confidence(other) == ConfidenceModel()
    high = ConfidenceFeatures(0.9, {"rerank_score": 4.0, "rerank_margin": 3.0})
    low = ConfidenceFeatures(0.9, {"rerank_score": 0.3, "rerank_margin": 0.1})
    assert shipped.score(high) > shipped.score(low)


def test_the_searcher_takes_the_kbs_curve_or_the_default_of_the_search(
        sample_searcher: Searcher, embedder, tokenizer) -> None:
    from kotae.retrieval.confidence import default_confidence

    assert sample_searcher.config.confidence is None  # the sample KB is not calibrated
    query = "パスワードを忘れた"
    ranked = sample_searcher.search(query, audience=Audience.PUBLIC)
    assert ranked.features is not None and ranked.features.rerank_score != 0.0
    assert ranked.confidence == default_confidence(sample_searcher.reranker.id).score(
        ranked.features)
    first = sample_searcher.search(query, audience=Audience.PUBLIC, mode="hybrid")
    assert first.features is not None and first.features.rerank_score == 0.0
    assert first.confidence == ConfidenceModel().score(first.features)
    mine = ConfidenceModel(center=0.95, scale=10.0)
    calibrated = Searcher(sample_searcher.snapshots.kb_dir, embedder, tokenizer,
                          RetrievalConfig(confidence=mine), reranker=sample_searcher.reranker)
    got = calibrated.search(query, audience=Audience.PUBLIC)
    assert got.confidence == mine.score(got.features)


def test_a_second_stage_s_margins_are_over_the_runner_up_and_the_third() -> None:
    """An FAQ entry and an article that both answer are close to each other; the margin over
    the third candidate still tells such a pair from a top hit with rivals."""
    from kotae.retrieval.searcher import SecondStage

    second = SecondStage([], {"faq": 6.0, "article": 5.5, "other": 2.0, "far": -1.0}, {})
    assert second.margin("faq") == pytest.approx(0.5)
    assert second.margin("faq", 2) == pytest.approx(4.0)
    assert second.margin("article", 2) == pytest.approx(3.5)  # the others, best first
    assert SecondStage([], {"a": 1.0, "b": 0.5}, {}).margin("a", 2) == pytest.approx(0.5)
    assert SecondStage([], {"a": 1.0}, {}).margin("a", 2) == 0.0
