"""Suggestions and outcomes in a real SQLite store; the edit distance."""

from __future__ import annotations

import random

import pytest

from kotae.kb import KBStore
from kotae.kb.feedback import FeedbackStore, OutcomeRecord, SuggestionRecord
from kotae.suggest import InvalidTicket, SuggestionNotFound, edit_distance, record_outcome


def _reference(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[:], i
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
    return row[-1]


def test_edit_distance_matches_the_textbook_definition():
    rng = random.Random(7)
    for _ in range(200):
        a = "".join(rng.choice("abあい。") for _ in range(rng.randint(0, 15)))
        b = "".join(rng.choice("abあい。") for _ in range(rng.randint(0, 15)))
        assert edit_distance(a, b) == _reference(a, b)
    assert edit_distance("kitten", "sitting") == 3


@pytest.fixture
def feedback(tmp_path):
    store = FeedbackStore(KBStore.for_dir(tmp_path))
    store.add_suggestion(SuggestionRecord(
        id="a" * 32, subject="件名", body="本文", draft="ご案内いたします。",
        citations=[{"label": "S1", "doc_id": "d1", "title": "t", "url": ""}]))
    return store


def test_outcomes_are_stored_with_edit_distance_and_kept_citations(feedback):
    used = record_outcome(feedback, "a" * 32, "used")
    assert used.final_text == "ご案内いたします。" and used.edit_distance == 0
    edited = record_outcome(feedback, "a" * 32, "edited", "ご案内いたしました。", ["S1"])
    assert edited.edit_distance == 2
    stored = feedback.outcomes("a" * 32)
    assert [o.outcome for o in stored] == ["used", "edited"]
    assert stored[1].kept_citations == ["S1"]
    assert feedback.get_suggestion("a" * 32).citations[0]["doc_id"] == "d1"


def test_bad_outcomes_are_refused(feedback):
    with pytest.raises(SuggestionNotFound):
        record_outcome(feedback, "b" * 32, "used")
    with pytest.raises(InvalidTicket, match="allowed"):
        record_outcome(feedback, "a" * 32, "great")
    with pytest.raises(InvalidTicket, match="S9"):
        record_outcome(feedback, "a" * 32, "edited", "x", ["S9"])
    with pytest.raises(ValueError, match="outcome"):
        OutcomeRecord(suggestion_id="a", outcome="maybe")
