"""The answer-sources tally: what share of answers quote a relevant document first, quote only
relevant ones, and quote retrieval's first hit first."""

from __future__ import annotations

from kotae.eval.answer_sources import Quoted, tally


def test_answers_are_tallied_by_what_they_quote():
    rows = [Quoted(["a"], "a", {"a"}),  # right, the first hit
            Quoted(["b", "a"], "a", {"a"}),  # another document first
            Quoted(["a", "c"], "a", {"a", "b"}),  # right first, a stray second
            Quoted([], "a", {"a"})]  # handed off: not an answer
    got = tally(rows)
    assert got["answers"] == 3
    assert got["first_relevant"] == 2 / 3 and got["all_relevant"] == 1 / 3
    assert got["quotes_first_hit"] == 2 / 3
    assert tally([])["answers"] == 0
