"""The small pure functions of the FAQ-gap report, on data made here (no model needed)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import numpy as np
import pytest

from kotae.kb import Action, Channel, Document, EventType, Kind, QueryEvent, Visibility
from kotae.suggest.gaps import GapOptions, GapReport, Origin, Proposal, Question, Signal
from kotae.suggest.gaps.accept import answer_chunks, draft_document
from kotae.suggest.gaps.assemble import gap_id, majority_language, unanswered_weight
from kotae.suggest.gaps.cluster import (
    center_by_language,
    central_order,
    cluster_vectors,
    clusters_of,
    distance_matrix,
)
from kotae.suggest.gaps.collect import (
    TicketCheck,
    event_signals,
    questions_from_events,
    ticket_signals,
    ticket_text,
)
from kotae.suggest.gaps.errors import NothingToAccept
from kotae.suggest.gaps.export import report_markdown, table_csv
from kotae.suggest.gaps.html import report_html
from kotae.suggest.gaps.label import (
    distinctive_terms,
    is_label_term,
    label_for,
    representatives,
    surfaces,
)
from kotae.suggest.gaps.propose import NO_ANSWER, answer_sentences, propose_entry
from kotae.suggest.gaps.report import Gap, WeekStats
from kotae.suggest.gaps.stale import find_stale, months_between
from kotae.suggest.gaps.timeline import gap_trend, parse_since, recency_weight, trend, week_start
from kotae.suggest.gaps.usage import learning_effect, week_stats

NOW = datetime(2026, 11, 24, tzinfo=UTC)
USD_REPLY = ("お問い合わせいただきありがとうございます。サポートの山本でございます。\n\n"
             "大変申し訳ございませんが、現在請求書の通貨は日本円のみとなっております。\n\n"
             "代わりに、備考欄に外貨額と換算レートを記載してください。\n\n"
             "ご要望として開発チームに共有いたしました。\n"
             "ご不明な点がございましたら、お気軽にお問い合わせください。")


def event(query: str, **fields) -> QueryEvent:
    fields.setdefault("created_at", "2026-11-20T10:00:00.000+00:00")
    return QueryEvent(channel=Channel.HELP, event=fields.pop("event", EventType.SEARCH),
                      query=query, language="ja", **fields)


def question(qid: str, text: str, language: str = "ja", **fields) -> Question:
    fields.setdefault("asked_at", "2026-11-20T10:00:00+00:00")
    return Question(id=qid, text=text, language=language,
                    origin=fields.pop("origin", Origin.LOG),
                    signals=fields.pop("signals", (Signal.HANDOFF,)), **fields)


# --- collect -------------------------------------------------------------------------------

def test_low_confidence_votes_and_handoffs_are_unanswered_but_a_yes_vote_is_not():
    assert event_signals(event("ドルで請求", confidence=0.2), 0.5) == (Signal.LOW_CONFIDENCE,)
    assert event_signals(event("x", confidence=0.9, helpful=False), 0.5) == (Signal.NOT_HELPFUL,)
    assert Signal.HANDOFF in event_signals(event("x", action=Action.HANDOFF), 0.5)
    assert event_signals(event("x", confidence=0.2, helpful=True), 0.5) == ()
    assert event_signals(event("x", confidence=0.9, action=Action.ANSWER), 0.5) == ()
    assert event_signals(event("", confidence=0.1), 0.5) == ()  # an article vote: no question


def test_a_contact_sent_from_a_logged_search_counts_once():
    search = event("請求書をドルで", id="a" * 32, confidence=0.2, outcome="contacted")
    contact = event("請求書をドルで発行したい", event=EventType.CONTACT, parent_id="a" * 32,
                    action=Action.HANDOFF, id="b" * 32)
    found = questions_from_events([search, contact], 0.5)
    assert [q.id for q in found] == ["a" * 32]
    assert set(found[0].signals) == {Signal.LOW_CONFIDENCE, Signal.HANDOFF}


def test_ticket_text_keeps_the_question_not_the_greeting():
    text = ticket_text("角印を入れたい", "お世話になっております。\n経理部の者です。\n"
                       "角印の画像をPDFに入れられますか？")
    assert text == "角印を入れたい\n角印の画像をPDFに入れられますか？"


def test_a_ticket_shows_a_gap_by_low_score_or_by_a_reply_the_articles_do_not_contain():
    assert ticket_signals(TicketCheck(0.3, "d", 0.9), 0.5) == (Signal.TICKET,)
    assert ticket_signals(TicketCheck(0.9, "d", 0.2), 0.5) == (Signal.REPLY_NOT_IN_ARTICLES,)
    assert ticket_signals(TicketCheck(0.9, "d", None), 0.5) == ()


# --- cluster and label ---------------------------------------------------------------------

def test_clusters_follow_the_distance_threshold_and_small_ones_are_dropped():
    v = np.array([[1, 0, 0], [0.99, 0.14, 0], [0.98, 0, 0.2], [0, 1, 0], [0, 0, 1.0]])
    v = v / np.linalg.norm(v, axis=1, keepdims=True)
    labels = cluster_vectors(v, distance_threshold=0.1)
    assert clusters_of(labels, min_size=3) == [[0, 1, 2]]
    assert len(clusters_of(labels, min_size=1)) == 3
    assert central_order(v, [0, 1, 2])[0] == 0



def test_hdbscan_finds_dense_groups_and_leaves_the_rest_as_noise():
    rng = np.random.default_rng(0)
    centres = np.eye(4)[:2]
    rows = [c + rng.normal(0, 0.02, 4) for c in centres for _ in range(6)]
    rows += [np.array([0, 0, 1.0, 0]), np.array([0, 0, 0, 1.0])]
    v = np.stack(rows) / np.linalg.norm(np.stack(rows), axis=1, keepdims=True)
    groups = clusters_of(cluster_vectors(v, 0.1, method="hdbscan", min_size=3), 3)
    assert sorted(groups) == [list(range(6)), list(range(6, 12))]


def test_clustering_settings_are_checked():
    with pytest.raises(ValueError, match="allowed: agglomerative, hdbscan"):
        GapOptions(method="kmeans")
    with pytest.raises(ValueError, match="distance threshold"):
        GapOptions(distance_threshold=0)
    with pytest.raises(ValueError, match="since"):
        GapOptions(since_days=0)


def test_centering_removes_what_every_question_of_a_language_shares():
    common = np.array([0.0, 0.0, 1.0])
    ja = np.array([[0.3, 0.0, 1.0], [-0.3, 0.0, 1.0]])
    ja = ja / np.linalg.norm(ja, axis=1, keepdims=True)
    centered = center_by_language(ja, ["ja", "ja"], np.stack([common, ja[0], ja[1]]),
                                  ["ja", "ja", "ja"], min_background=1)
    assert float(centered[0] @ centered[1]) < float(ja[0] @ ja[1])  # now told apart


def test_labels_name_what_sets_a_group_apart_in_its_own_spelling():
    group = [{"角印", "請求書"}, {"角印", "画像", "請求書"}, {"角印", "画像"}]
    everyone = [*group, {"請求書", "送付"}, {"請求書", "pdf"}]
    assert set(distinctive_terms(group, everyone, k=2)) == {"角印", "画像"}
    assert label_for(["usd", "ドル"], "x", surfaces([("usd", "USD")])) == "USD・ドル"
    assert label_for([], "請求書をドルで発行できますか\n本文") == "請求書をドルで発行できますか"
    assert representatives(["A?\nbody", "a?", "B?"]) == ["A?", "B?"]


# --- propose -------------------------------------------------------------------------------

def test_the_proposal_quotes_the_resolved_reply_without_greetings_and_cites_it():
    tickets = [question("t1", "ドル建ての請求書は作れますか", origin=Origin.TICKET,
                        ticket_id="TCK-1", reply=USD_REPLY, resolved=True),
               question("t2", "ユーロで請求したい", origin=Origin.TICKET, ticket_id="TCK-2",
                        reply="", resolved=False)]
    proposal = propose_entry([question("e1", "請求書を米ドルで出せますか"), *tickets], "ja")
    assert proposal.has_answer and proposal.question == "請求書を米ドルで出せますか"
    assert proposal.answer.startswith("現在請求書の通貨は日本円のみとなっております。")
    assert "ありがとう" not in proposal.answer and "開発チーム" not in proposal.answer
    assert [c.ticket_id for c in proposal.citations] == ["TCK-1"]
    texts = [s.text for s in answer_sentences(USD_REPLY)]
    assert texts == ["現在請求書の通貨は日本円のみとなっております。",
                     "代わりに、備考欄に外貨額と換算レートを記載してください。"]


def test_without_a_resolved_ticket_the_proposal_says_so():
    proposal = propose_entry([question("e1", "源泉徴収できますか")], "ja")
    assert not proposal.has_answer and proposal.citations == ()
    assert proposal.answer == NO_ANSWER["ja"]
    assert NO_ANSWER["ja"] == "この質問に回答した解決済みの問い合わせはまだありません。"
    assert propose_entry([question("e2", "Withholding tax?", "en")], "en").answer == NO_ANSWER["en"]


# --- time ----------------------------------------------------------------------------------

def test_since_weeks_recency_and_trends():
    assert parse_since("30d") == 30 and parse_since("2w") == 14 and parse_since("all") is None
    with pytest.raises(ValueError, match="30d"):
        parse_since("soon")
    assert week_start("2026-11-29T23:00:00+09:00") == "2026-11-23"
    assert recency_weight("2026-11-24T00:00:00+00:00", NOW) == 1.0
    assert trend([6, 2], new=False) == "rising" and trend([1, 5], new=False) == "falling"
    times = ["2026-11-20T00:00:00+00:00", "2026-11-01T00:00:00+00:00"]
    assert gap_trend(times, NOW) == "steady" and gap_trend(times[:1], NOW) == "new"
    assert months_between(datetime(2025, 9, 30, tzinfo=UTC), NOW) == 13


def test_gap_ids_survive_new_questions_and_the_majority_language_wins():
    first = question("e1", "USD?", "en", asked_at="2026-11-01T00:00:00+00:00")
    later = question("e2", "ドル", asked_at="2026-11-09T00:00:00+00:00")
    assert gap_id([first]) == gap_id([later, first])
    assert majority_language([first, later, question("e3", "外貨")]) == "ja"


# --- stale, weeks, export, accept ----------------------------------------------------------

def article(key: str, updated_at: str) -> Document:
    return Document.create(source="faq.csv", key=key, kind=Kind.FAQ, title=f"Q {key}", body="A",
                           question=f"Q {key}", answer="A", updated_at=updated_at)


def test_stale_articles_are_old_and_still_asked_or_often_voted_no():
    old, fresh = article("old", "2024-01-10"), article("fresh", "2026-10-01")
    hit = [{"doc_id": old.id, "title": old.title, "score": 1.0}]
    events = [event(f"q{n}", hits=hit) for n in range(3)]
    events += [event("", event=EventType.ARTICLE, clicked_doc_id=fresh.id, helpful=h)
               for h in (False, False, True)]
    stale = {s.doc_id: s for s in find_stale([old, fresh], events, NOW, months=12)}
    assert "34か月更新されていません" in stale[old.id].reason and stale[old.id].questions == 3
    assert stale[fresh.id].reason == "「役に立ちましたか」で 3 票中 2 票が「いいえ」です。"


def test_weekly_rates_count_handoffs_and_votes():
    events = [event("a", action=Action.ANSWER, helpful=True),
              event("b", action=Action.HANDOFF), event("c", helpful=False)]
    (week,) = week_stats(events, [question("b", "b")])
    assert (week.questions, week.handoffs, week.votes, week.gap_questions) == (3, 1, 2, 1)
    assert week.deflection_rate == pytest.approx(2 / 3) and week.helpful_rate == 0.5


def test_weeks_count_the_phrasings_learnt_and_the_chart_shows_them():
    from kotae.suggest.gaps.charts import report_charts

    first = event("a", action=Action.HANDOFF)
    weeks = week_stats([first], [], until="2026-11-30T00:00:00+00:00",
                       learnt_at=["2026-11-25T09:00:00+00:00"] * 3)
    assert {w.week: w.learnt for w in weeks} == {"2026-11-16": 0, "2026-11-23": 3,
                                                 "2026-11-30": 0}
    report = small_report()
    report.weeks = weeks
    assert table_csv(report, "weeks").splitlines()[0].endswith(",learnt_phrasings")
    assert report_charts(report)["rates"].startswith("data:image/png;base64,")


def week_row(week: str, questions: int, handoffs: int, learnt: int = 0, votes: int = 0,
             helpful: int = 0) -> WeekStats:
    return WeekStats(week=week, questions=questions, handoffs=handoffs, helpful=helpful,
                     votes=votes, gap_questions=0, learnt=learnt)


def test_learning_is_judged_on_the_weeks_around_it_never_on_another_learning_week():
    weeks = [week_row("w1", 50, 40), week_row("w2", 50, 30, learnt=4),
             *(week_row(f"w{n}", 100, 50) for n in range(3, 7)),
             week_row("w7", 100, 20, learnt=12, votes=10, helpful=6),
             *(week_row(f"w{n}", 100, 20, votes=10, helpful=8) for n in range(8, 14)),
             week_row("w14", 3, 0, learnt=2)]  # the current week: nothing after it yet
    effect = learning_effect(weeks)
    assert effect is not None and (effect.week, effect.learnt) == ("w7", 12)
    # before: w3–w6 (w2 learnt too, so the window stops there); after: four weeks from w8.
    assert (effect.before_weeks, effect.after_weeks) == (4, 4)
    assert (effect.before.week, effect.before.questions, effect.before.handoffs) == ("w3", 400, 200)
    assert (effect.after.week, effect.after.questions, effect.after.handoffs) == ("w8", 400, 80)
    assert effect.deflection_change == pytest.approx(0.3) and effect.clear
    assert effect.before.helpful_rate is None and effect.after.helpful_rate == 0.8
    assert "前 4 週 50%（400 件）→ 後 4 週 80%（400 件）" in report_markdown(
        _with_learning(effect))


def test_a_small_change_on_few_questions_is_called_chance_and_nothing_learnt_is_none():
    few = [week_row("a", 10, 5), week_row("b", 10, 5, learnt=1), week_row("c", 10, 3)]
    effect = learning_effect(few)
    assert effect is not None and effect.deflection_change == pytest.approx(0.2)
    assert effect.clear is False
    assert "偶然の範囲の変化です" in report_markdown(_with_learning(effect))
    waiting = learning_effect([week_row("a", 10, 5), week_row("b", 0, 0, learnt=3)])
    assert waiting is not None and waiting.after is None and waiting.clear is None
    assert "前後を比べられる週がまだありません" in report_markdown(_with_learning(waiting))
    assert learning_effect([week_row("a", 10, 5), week_row("b", 10, 5)]) is None


def test_the_learning_chart_is_drawn_only_when_something_was_learnt():
    from kotae.suggest.gaps.charts import report_charts

    assert "learning" not in report_charts(small_report())
    effect = learning_effect([week_row("a", 10, 5), week_row("b", 10, 5, learnt=1),
                              week_row("c", 10, 3)])
    report = _with_learning(effect)
    assert report_charts(report)["learning"].startswith("data:image/png;base64,")
    assert "言い回しを 1 件学習しました" in report_html(report)


def _with_learning(effect) -> GapReport:
    report = small_report()
    report.learning = effect
    return report


def small_report(has_answer: bool = True) -> GapReport:
    proposal = Proposal("ドル建ての請求書は作れますか", "通貨は日本円のみです。" if has_answer
                        else NO_ANSWER["ja"], "ja", (), has_answer)
    gap = Gap(id="0123456789ab", label="ドル・USD", terms=["ドル", "usd"], size=4, score=3.5,
              language="ja", representatives=["ドル建ての請求書は作れますか", "Invoices in USD?"],
              first_seen="2026-11-01", last_seen="2026-11-20", trend="rising",
              signals={"handoff": 4}, weekly={"2026-11-16": 4}, proposal=proposal)
    return GapReport(generated_at="2026-11-24T00:00:00+00:00", since=None, threshold=0.5,
                     candidates=5, gaps=[gap], duplicates=[], stale=[],
                     weeks=week_stats([event("x")], []), unclustered=1)


def test_csv_and_markdown_exports_carry_the_gap_and_its_proposal():
    report = small_report()
    rows = list(csv.DictReader(io.StringIO(table_csv(report, "gaps"))))
    assert rows[0]["label"] == "ドル・USD"
    assert rows[0]["proposed_answer"] == "通貨は日本円のみです。"
    markdown = report_markdown(report)
    assert "### 1. ドル・USD" in markdown and "> 通貨は日本円のみです。" in markdown
    assert table_csv(report, "weeks").startswith("week,questions,handoffs")
    with pytest.raises(ValueError, match="allowed: gaps"):
        table_csv(report, "nope")


def test_a_draft_is_an_internal_faq_entry_and_needs_an_answer():
    gap = small_report().gaps[0]
    doc = draft_document(gap, accepted_by="editor")
    assert (doc.kind, doc.visibility, doc.meta["status"], doc.meta["gap_id"]) == (
        Kind.FAQ, Visibility.INTERNAL, "draft", gap.id)
    assert draft_document(gap, answer="編集した回答").id == doc.id  # one draft per gap
    with pytest.raises(NothingToAccept):
        draft_document(small_report(has_answer=False).gaps[0])
    assert draft_document(small_report(has_answer=False).gaps[0], answer="手で書いた回答").answer
    assert [c.heading for c in answer_chunks(doc.id, doc.question, doc.answer)] == [doc.question]


def test_pairs_in_two_languages_count_a_discounted_distance():
    v = np.array([[1.0, 0.0], [0.6, 0.8], [0.6, 0.8]])
    plain = distance_matrix(v)
    mixed = distance_matrix(v, ["ja", "en", "ja"], cross_lingual=0.8)
    assert mixed[0, 1] == pytest.approx(0.8 * plain[0, 1])
    assert mixed[0, 2] == pytest.approx(plain[0, 2])  # same language: unchanged


def test_a_nearly_answered_question_weighs_less_than_a_no_vote_or_a_ticket():
    near = question("e1", "x", signals=(Signal.LOW_CONFIDENCE,), confidence=0.45)
    far = question("e2", "x", signals=(Signal.LOW_CONFIDENCE,), confidence=0.05)
    voted = question("e3", "x", signals=(Signal.NOT_HELPFUL,), confidence=0.9)
    ticket = question("t1", "x", origin=Origin.TICKET, signals=(Signal.TICKET,), confidence=0.4)
    weights = [unanswered_weight(q) for q in (near, far, voted, ticket)]
    assert weights == pytest.approx([0.55, 0.95, 1.0, 1.0])
    assert not is_label_term("would") and not is_label_term("入れる") and is_label_term("角印")


def test_the_html_report_embeds_its_charts():
    page = report_html(small_report())
    assert page.count('src="data:image/png;base64,') == 3
    assert "ドル・USD" in page and "通貨は日本円のみです。" in page
