"""The query log on a real SQLite file and a real PostgreSQL server (``KOTAE_TEST_PG_URL``,
as in the store contract): record, update, read back, popular questions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kotae.kb import Action, Channel, EventType, KBStore, QueryEvent, QueryLog
from kotae.kb.querylog import query_key


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


def test_popular_questions_need_several_clients_and_a_confident_answer(log):
    for client in ("c1", "c2"):
        log.record(event("パスワードを忘れた？", client=client, action=Action.ANSWER))
        log.record(event("パスワード 変更", client=client, action=Action.NONE))
    log.record(event("パスワードを忘れた", client="c3", action=Action.ANSWER))
    log.record(event("パスワードの期限", client="c1", session_id="s1", action=Action.ANSWER))
    log.record(event("パスワードの期限", session_id="s2", action=Action.ANSWER))  # no client
    assert log.popular_queries("ぱすわーど", min_clients=2) == []
    assert log.popular_queries("パスワード", min_clients=2) == [("パスワードを忘れた", 3)]
    assert log.popular_queries("パスワード", min_clients=4) == []
    assert log.popular_queries("パスワードの", min_clients=1) == [("パスワードの期限", 1)]
    assert [q for q, _ in log.popular_queries("", min_clients=1)] == [
        "パスワードを忘れた", "パスワードの期限"]  # "": every popular question (editors)


def test_one_client_repeating_a_question_is_one_client(log):
    for _ in range(30):
        log.record(event("請求書の再発行", client="c1", session_id="", action=Action.ANSWER))
    assert log.popular_queries("請求書", min_clients=2) == []


def test_popular_questions_count_only_the_window(log):
    log.record(event("領収書の発行", client="c1", action=Action.ANSWER,
                     created_at="2020-01-01T00:00:00.000+00:00"))
    log.record(event("領収書の発行", client="c2", action=Action.ANSWER))
    assert log.popular_queries("領収書", min_clients=2) == [("領収書の発行", 2)]
    assert log.popular_queries("領収書", min_clients=2, since="2026-01-01") == []


def test_like_wildcards_in_a_prefix_are_literal(log):
    for client in ("c1", "c2"):
        log.record(event("50%_off", client=client, action=Action.ANSWER))
        log.record(event("50 off", client=client, action=Action.ANSWER))
    assert log.popular_queries("50%", min_clients=2) == [("50%_off", 2)]
    assert log.popular_queries("50_", min_clients=2) == []


def test_personal_data_is_redacted_before_it_is_stored(log):
    event_id = log.record(event("請求書 再発行 yamada@example.co.jp 090-1234-5678 山田様",
                                ticket={"subject": "再発行 taro@example.jp",
                                        "body": "〒150-0001 東京都渋谷区神宮前1-2-3\n"
                                                "電話 03-1234-5678", "priority": "high"}))
    got = log.get(event_id)
    assert got.query == "請求書 再発行 [メール] [電話番号] [氏名]様"
    assert got.ticket == {"subject": "再発行 [メール]", "priority": "high",
                          "body": "〒[郵便番号] [住所]\n電話 [電話番号]"}
    with log.store.session() as s:  # the raw text is nowhere in the row
        from kotae.kb.events import QueryEventRow

        row = s.get(QueryEventRow, event_id)
        assert "yamada" not in f"{row.query} {row.query_norm} {row.ticket}"


def test_events_past_the_retention_are_deleted(tmp_path):
    log = QueryLog.for_dir(tmp_path, retention_days=30)
    old = log.record(event("古い質問", created_at="2020-01-01T00:00:00.000+00:00"))
    assert log.get(old) is None  # the write that came after it pruned it
    new = log.record(event("新しい質問"))
    assert log.get(new) is not None and log.prune() == 0
    keep_all = QueryLog.for_dir(tmp_path / "all", retention_days=0)
    kept = keep_all.record(event("古い質問", created_at="2020-01-01T00:00:00.000+00:00"))
    assert keep_all.prune() == 0 and keep_all.get(kept) is not None
    with pytest.raises(ValueError, match="retention_days"):
        QueryLog.for_dir(tmp_path, retention_days=-1)


def test_an_old_kb_gets_the_new_column(tmp_path):
    import sqlite3

    db = tmp_path / "kotae.db"
    with sqlite3.connect(db) as conn:  # the query log as kotae made it before clients counted
        conn.execute("CREATE TABLE query_events (id VARCHAR(32) PRIMARY KEY, created_at "
                     "VARCHAR(40), updated_at VARCHAR(40), channel VARCHAR(16), event "
                     "VARCHAR(16), session_id VARCHAR(64), parent_id VARCHAR(32), query TEXT, "
                     "query_norm TEXT, language VARCHAR(8), hits JSON, confidence FLOAT, action "
                     "VARCHAR(16), helpful BOOLEAN, clicked_doc_id VARCHAR(32), outcome "
                     "VARCHAR(16), via VARCHAR(32), ticket JSON)")
        conn.execute("INSERT INTO query_events VALUES ('a', '2026-01-01', '2026-01-01', 'help', "
                     "'search', 's1', '', 'q', 'q', 'ja', '[]', NULL, 'answer', NULL, '', '', "
                     "'', NULL)")
    log = QueryLog.for_dir(tmp_path)
    assert log.get("a").client == ""
    assert log.get(log.record(event(client="c1"))).client == "c1"


def test_query_key_folds_width_case_and_end_punctuation():
    assert query_key("ＰＡＳＳＷＯＲＤ？") == query_key("password") == "password"


def test_bad_events_are_refused():
    with pytest.raises(ValueError):
        QueryEvent(channel="email", event=EventType.SEARCH)
    with pytest.raises(ValueError):
        event(session_id="x" * 65)
    with pytest.raises(ValueError):
        QueryLog("sqlite:///x.db")  # type: ignore[arg-type]
