"""Right the first time on the written cases (``data/ranking_cases.yaml``): 87 customer
questions on the sample KB, each with the public documents that answer it, the tempting wrong
ones (``not_top``) or none at all. ``FLOORS`` are what the ranking reached; they may only go up
(docs/benchmarks.md has the figures and how they moved)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kotae.eval.ranking_cases import load_cases, run_cases, summary
from kotae.knowledge_base import open_kb

CASES = Path(__file__).parent / "data" / "ranking_cases.yaml"
# top1 74/81 with and without the second stage; the pass rate went from 76/87 (first stage
# alone) to 75/87 with the shipped second stage (plan-04 and en-reset-01 gained; app-01,
# en-locked-01 and the unanswerable none-04 lost), then to 78/87 with the shipped stage's own
# confidence curve: 52 of its 54 answers right (was 72 of 78), 4 of the 6 questions the KB
# cannot answer handed off (was 1): docs/benchmarks.md.
FLOORS = {"top1": 0.91, "pass_rate": 0.89, "answered_right": 0.96,
          "unanswerable_handed_off": 0.66}


@pytest.fixture(scope="module")
def results(sample_settings, sample_searcher):
    return run_cases(load_cases(CASES), open_kb(sample_settings, searcher=sample_searcher))


def test_the_cases_name_public_documents_of_the_sample_kb(sample_settings, results):
    cases = load_cases(CASES)
    assert len(cases) >= 30 and len({c.id for c in cases}) == len(cases)
    assert sum(bool(c.not_top) for c in cases) >= 15 and any(not c.answers for c in cases)
    from kotae.eval.ranking_cases import document_names
    from kotae.kb import KBStore, customer_may_read

    store = KBStore.for_dir(sample_settings.home)
    public = {name for doc_id, name in document_names(store).items()
              if customer_may_read(store.get_document(doc_id))}
    for case in cases:
        assert set(case.answers) | set(case.not_top) <= public, case.id


def test_the_ranking_does_not_fall(results):
    got = summary(results)
    failed = [(r.case.id, r.top) for r in results if not r.passed]
    for name, floor in FLOORS.items():
        assert got[name] >= floor, (name, got, failed)
