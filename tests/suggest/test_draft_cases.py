"""Draft quality on the written cases (``data/draft_cases.yaml``): 61 realistic tickets for the
sample KB, each with what a good reply must and must not contain, run through the real
suggester on the shared sample KB. The pass rate may only go up: ``FLOOR`` is the rate the
composer reached (docs/benchmarks.md has the figures and how they moved)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kotae.eval.draft_quality import DraftCase, check, load_cases, run_cases, summary
from kotae.knowledge_base import open_kb

CASES = Path(__file__).parent / "data" / "draft_cases.yaml"
# the one composer: 19 of 61 (before it: 10 of 61, 0.164); with the second ranking stage on
# (issue 15) 17 of 61: it picks other sources for two tickets; with the asks of a list read in
# their setting, an article's 「〜してください」 quoted as the how and the first FAQ leading the
# draft, 26 of 61 (docs/benchmarks.md). On another machine the same code passes 25: one case
# sits at an edge that the embedder's floating point moves, so the floor was 25 of 61. With a
# summary's steps, numbered sections as lists, and a fuller thought taking the place of one it
# says whole, and a question's own first hit leading only when no entry answers it better, 31
# of 61 here; the floor is 29 of 61, with the same margin for such edges.
FLOOR = 29 / 61


@pytest.fixture(scope="module")
def results(sample_settings, sample_searcher):
    suggester = open_kb(sample_settings, searcher=sample_searcher).suggester
    return run_cases(load_cases(CASES), suggester)


def test_the_case_set_covers_what_the_composer_must_handle():
    cases = load_cases(CASES)
    kinds = {c.kind for c in cases}
    assert len(cases) >= 40 and {"multi_question", "urgent", "english", "table_or_list",
                                 "past_ticket_only", "customer_name"} <= kinds
    assert len({c.id for c in cases}) == len(cases)
    assert all(c.must_contain and all(c.must_contain) for c in cases)


def test_the_pass_rate_does_not_fall(results):
    got = summary(results)
    failed = [r.case.id for r in results if not r.passed]
    assert got["pass_rate"] >= FLOOR, (got, failed)


def test_a_check_folds_width_and_case_and_takes_any_alternative():
    case = DraftCase("t", "other", "件名", "本文", "ja", must_contain=[["ＰＤＦ", "x"], ["送付"]],
                     must_not_contain=["Secret"], priority="high")
    assert check(case, "請求書の pdf を送付します。", "urgent").passed  # urgent counts for high
    assert check(case, "請求書の pdf を送付します。", "normal").priority_ok is False
    assert check(case, "請求書の PDF です。", "high").missing == [["送付"]]
    assert check(case, "PDF を送付。secret", "high").forbidden == ["Secret"]
