"""The metric wiring, hand-checked on three queries with known answers."""

from __future__ import annotations

import math

import pytest

from kotae.eval import evaluate_run

QRELS = {"q1": {"d1": 2, "d2": 1}, "q2": {"d3": 1}, "q3": {"d9": 1}, "q4": {"d5": 0}}
RUN = {"q1": {"d2": 3.0, "d1": 2.0, "dx": 1.0},  # both relevant, the better one second
       "q2": {"dy": 2.0, "d3": 1.0},  # the only relevant one at rank 2
       "q3": {}}  # nothing found


def test_hand_checked_values() -> None:
    result = evaluate_run(QRELS, RUN)
    # q1: DCG = 1/log2(2) + 2/log2(3); ideal = 2/log2(2) + 1/log2(3) (linear gains).
    ndcg_q1 = (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    ndcg_q2 = 1 / math.log2(3)
    assert result.per_query["q1"]["ndcg@10"] == pytest.approx(ndcg_q1)
    assert result.per_query["q2"]["ndcg@10"] == pytest.approx(ndcg_q2)
    assert result.per_query["q3"] == {"ndcg@10": 0.0, "recall@10": 0.0, "recall@100": 0.0,
                                      "mrr@10": 0.0, "hit@1": 0.0}
    assert result.per_query["q2"]["mrr@10"] == pytest.approx(0.5)
    assert result.per_query["q1"]["hit@1"] == 1.0 and result.per_query["q2"]["hit@1"] == 0.0
    assert result.mean["ndcg@10"] == pytest.approx((ndcg_q1 + ndcg_q2) / 3)
    assert result.mean["recall@10"] == pytest.approx(2 / 3)
    assert result.mean["mrr@10"] == pytest.approx(0.5)
    assert result.mean["hit@1"] == pytest.approx(1 / 3)


def test_queries_without_relevant_documents_are_not_scored() -> None:
    assert "q4" not in evaluate_run(QRELS, RUN).per_query


def test_no_judged_query_is_an_error() -> None:
    with pytest.raises(ValueError, match="no query has a relevant document"):
        evaluate_run({"q": {"d": 0}}, {"q": {"d": 1.0}})
