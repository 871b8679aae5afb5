"""The query log on a real SQLite file and a real PostgreSQL server (``KOTAE_TEST_PG_URL``,
as in the store contract): record, update, read back, popular questions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kb import Action, Channel, EventType, KBStore, QueryEvent, QueryLog
from kb.querylog import query_key


@pytest.fixture(params=["sqlite", "postgresql"])
def log(request: pytest.FixtureRequest, tmp_path) -> Iterator[QueryLog]:
    if request.param == "sqlite":
        yield QueryLog.for_dir(tmp_path)
        return
    store = KBStore(request.getfixturevalue("pg_url"))
    yield QueryLog(store)
    store.engine.dispose()


def event(query: str = "請求書が届かない", **fields) -> QueryEvent:
    return QueryEvent(channel=fields.pop("channel", Channel.HELP),
                      event=fields.pop("event", EventType.SEARCH), query=query, **fields)


def test_record_and_read_back_everything_the_gap_report_needs(log):
    hits = [{"doc_id": "d1", "title": "請求書を送る", "score": 0.91}]
    event_id = log.record(event(language="ja", session_id="s1", hits=hits, confidence=0.8,
                                action=Action.ANSWER, via="chatbot",
                                ticket={"subject": "x", "body": "y"}))
    got = log.get(event_id)
    assert got.query == "請求書が届かない" and got.language == "ja" and got.hits == hits
    assert got.channel is Channel.HELP and got.action is Action.ANSWER
    assert got.confidence == 0.8 and got.via == "chatbot" and got.ticket == {"subject": "x",
                                                                            "body": "y"}
    assert got.created_at and got.helpful is None and got.outcome == ""


def test_the_store_creates_the_table(tmp_path):
    store = KBStore.for_dir(tmp_path)
    QueryLog(store).record(event())
    assert len(QueryLog.for_dir(tmp_path).events()) == 1


def test_outcome_keeps_the_strongest_signal(log):
    event_id = log.record(event())
    assert log.update(event_id, clicked_doc_id="d1")
    assert log.get(event_id).outcome == "clicked"
    assert log.update(event_id, helpful=False)
    assert log.update(event_id, clicked_doc_id="d2")  # a later click does not hide the vote
    got = log.get(event_id)
    assert got.outcome == "not_helpful" and got.helpful is False and got.clicked_doc_id == "d2"
    log.update(event_id, outcome="contacted")
    log.update(event_id, helpful=True)
    assert log.get(event_id).outcome == "contacted"
    assert not log.update("0" * 32, helpful=True)
    with pytest.raises(ValueError, match="unknown outcome"):
        log.update(event_id, outcome="maybe")


def test_events_filter_by_channel_action_and_time(log):
    first = log.record(event("a", channel=Channel.DEFLECT, event=EventType.DEFLECT,
                             action=Action.HANDOFF))
    log.record(event("b", action=Action.ANSWER))
    assert [e.query for e in log.events()] == ["b", "a"]
    assert [e.query for e in log.events(channel=Channel.DEFLECT)] == ["a"]
    assert [e.query for e in log.events(action=Action.ANSWER)] == ["b"]
    since = log.get(first).created_at
    assert len(log.events(since=since)) == 2 and len(log.events(limit=1)) == 1


def test_discard_drops_only_untouched_searches_typed_on_the_way(log):
    typed = log.record(event("請求", session_id="s1"))
    used = log.record(event("請求書", session_id="s1"))
    rephrased = log.record(event("インボイスが届かない", session_id="s1"))
    log.update(used, clicked_doc_id="d1")
    assert not log.discard(typed, "s2", "請求書")
    assert not log.discard(used, "s1", "請求書が")
    assert not log.discard(rephrased, "s1", "請求書が届かない")  # a rephrasing is kept
    assert log.discard(typed, "s1", "請求書") and log.get(typed) is None


def test_popular_questions_need_several_sessions_and_a_confident_answer(log):
    for session in ("s1", "s2"):
        log.record(event("パスワードを忘れた？", session_id=session, action=Action.ANSWER))
        log.record(event("パスワード 変更", session_id=session, action=Action.NONE))
    log.record(event("パスワードを忘れた", session_id="s3", action=Action.ANSWER))
    log.record(event("パスワードの期限", session_id="s1", action=Action.ANSWER))
    log.record(event("パスワードの期限", action=Action.ANSWER))  # no session: never counts
    assert log.popular_queries("ぱすわーど") == []
    assert log.popular_queries("パスワード") == ["パスワードを忘れた"]
    assert log.popular_queries("パスワード", min_sessions=4) == []
    assert log.popular_queries("パスワードの", min_sessions=1) == ["パスワードの期限"]
    assert log.popular_queries("") == []


def test_like_wildcards_in_a_prefix_are_literal(log):
    for session in ("s1", "s2"):
        log.record(event("50%_off", session_id=session, action=Action.ANSWER))
        log.record(event("50 off", session_id=session, action=Action.ANSWER))
    assert log.popular_queries("50%") == ["50%_off"]
    assert log.popular_queries("50_") == []


def test_query_key_folds_width_case_and_end_punctuation():
    assert query_key("ＰＡＳＳＷＯＲＤ？") == query_key("password") == "password"


def test_bad_events_are_refused():
    with pytest.raises(ValueError):
        QueryEvent(channel="email", event=EventType.SEARCH)
    with pytest.raises(ValueError):
        event(session_id="x" * 65)
    with pytest.raises(ValueError):
        QueryLog("sqlite:///x.db")  # type: ignore[arg-type]
