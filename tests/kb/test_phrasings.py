"""The phrasing store on a real SQLite file and a real PostgreSQL server (``KOTAE_TEST_PG_URL``,
as in the store contract): candidates, the auto-approve policy, decisions, and what survives a
new connection."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kotae.kb import KBStore
from kotae.kb.phrasings import Candidate, PhrasingStore


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[KBStore]:
    if request.param == "sqlite":
        yield KBStore.for_dir(tmp_path)
        return
    store = KBStore(request.getfixturevalue("pg_url"))
    yield store
    store.engine.dispose()


def test_candidates_policy_and_decisions_survive_a_new_connection(store):
    phrasings = PhrasingStore(store)
    added = phrasings.add([
        Candidate("d1", "パスワードを忘れた", "ticket", "t1", 0.95),
        Candidate("d1", "ログインできない", "ticket", "t2", 0.6),
        Candidate("d2", "請求書の宛名", "vote", "q1", 1.0),
        Candidate("d2", "請求書の宛名", "vote", "q1", 1.0),  # the same again: one row
        Candidate("d3", "  ", "gap", "e1", 1.0),  # nothing to learn
    ])
    assert added == 3
    assert phrasings.auto_approve({"ticket": 0.9}) == 1  # votes: no threshold, they wait
    assert phrasings.approved() == [("d1", "パスワードを忘れた")]
    waiting = phrasings.find(status="candidate")
    assert [(p.doc_id, p.text, p.source) for p in waiting] == [
        ("d1", "ログインできない", "ticket"), ("d2", "請求書の宛名", "vote")]
    moved = phrasings.decide(waiting[0].id, "move", "editor-1", doc_id="d4")
    assert (moved.doc_id, moved.status, moved.decided_by) == ("d4", "approved", "editor-1")
    phrasings.decide(waiting[1].id, "reject", "editor-1")
    again = PhrasingStore(KBStore(store.url))
    assert again.counts() == {"candidate": {}, "approved": {"ticket": 2},
                              "rejected": {"vote": 1}}
    assert again.source_keys("ticket") == {"t1", "t2"}
    assert again.add([Candidate("d2", "請求書の宛名", "vote", "q2", 1.0)]) == 0  # rejected
    assert again.add([Candidate("d5", "請求書の宛名", "vote", "q2", 1.0)]) == 1  # not for d5
    again.store.engine.dispose()


def test_bad_input_is_refused_with_what_is_allowed(store):
    phrasings = PhrasingStore(store)
    with pytest.raises(ValueError, match="unknown source"):
        Candidate("d1", "x", "email", "k", 1.0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        Candidate("d1", "x", "ticket", "k", 1.5)
    with pytest.raises(ValueError, match="unknown status"):
        phrasings.find(status="maybe")
    with pytest.raises(ValueError, match="unknown decision"):
        phrasings.decide(1, "archive", "editor")
