"""Deflection on the real sample KB: answer from public sources when confident, else a
pre-filled hand-off with the closest FAQ questions; and the pure pieces it is made of."""

from __future__ import annotations

import pytest

from kotae.app.api.routes.deflect import DeflectOut
from kotae.kb import Action, Channel, EventType, Hit, KBStore, Kind, Visibility
from kotae.kb.text import reply_language
from kotae.retrieval import RetrievalConfig, Searcher
from kotae.suggest.compose import Composer, Source, compose_answer
from kotae.suggest.deflection.deflect import Deflector, VisibilityLeak, _check_public
from kotae.suggest.deflection.handoff import draft_ticket, guess_priority, ticket_subject

CONFIDENT = "パスワードを忘れてしまいました。どうすればよいですか？"
OUT_OF_SCOPE = "近くでおいしいラーメン屋さんを教えてください"


@pytest.fixture(scope="module")
def deflector(sample_searcher, sample_settings):
    return Deflector(sample_searcher, store=KBStore.for_dir(sample_settings.home))


def test_confident_question_is_answered_from_public_sources(deflector):
    result = deflector.deflect(CONFIDENT)
    assert result.action is Action.ANSWER
    assert result.confidence >= deflector.threshold
    assert result.sources and all(h.visibility is Visibility.PUBLIC for h in result.hits)
    top = result.hits[0]
    assert "パスワード" in top.title
    # Nothing invented: the answer's first line is text of the top source.
    first_line = result.answer_body.split("\n")[0].lstrip("0123456789. ・")
    assert first_line[:20] in top.text
    assert result.answer.endswith(top.url) and "詳しくは「" in result.answer
    assert result.quoted and result.quoted[0] == top.doc_id  # what the answer quotes, named
    shape = DeflectOut.of(result, "0" * 32).model_dump(exclude_none=True)
    assert shape["action"] == "answer" and "ticket" not in shape and shape["sources"]


def test_out_of_scope_question_is_handed_off_with_candidates(deflector):
    result = deflector.deflect(OUT_OF_SCOPE)
    assert result.action is Action.HANDOFF
    assert result.answer == "" and result.sources == []
    assert result.ticket is not None and result.ticket.body == OUT_OF_SCOPE
    assert result.ticket.language == "ja" and result.ticket.priority == "normal"
    assert 1 <= len(result.candidates) <= 3
    shape = DeflectOut.of(result, "0" * 32).model_dump(exclude_none=True)
    assert "answer" not in shape and shape["ticket"]["subject"] and shape["candidates"]


def test_threshold_decides_between_answer_and_handoff(sample_searcher):
    strict = Deflector(sample_searcher, threshold=1.0).deflect(CONFIDENT)
    lenient = Deflector(sample_searcher, threshold=0.0).deflect(OUT_OF_SCOPE)
    assert strict.action is Action.HANDOFF and strict.candidates
    assert lenient.action is Action.ANSWER


def test_threshold_defaults_to_the_kbs_calibrated_one(sample_settings, embedder, tokenizer):
    config = RetrievalConfig(answer_threshold=0.77)
    searcher = Searcher(sample_settings.home, embedder, tokenizer, config=config)
    assert Deflector(searcher).threshold == 0.77


def test_internal_text_as_a_question_reads_public_chunks_only(deflector, sample_settings):
    store = KBStore.for_dir(sample_settings.home)
    pairs = list(store.iter_chunks_with_documents())
    public = "\n".join(c.text for c, d in pairs if d.visibility is Visibility.PUBLIC)
    # Internal text that no public document also says (a past reply that quotes a manual word
    # for word is not a secret), chosen by text: document ids hash the source's path, so
    # their order differs from one clone to the next.
    internal = sorted(((c, d) for c, d in pairs if d.visibility is Visibility.INTERNAL
                       and c.text[:40] not in public), key=lambda pair: pair[0].text)[:5]
    assert len(internal) == 5
    for chunk, _doc in internal:
        result = deflector.deflect(chunk.text[:2000])
        assert all(h.visibility is Visibility.PUBLIC and h.kind is not Kind.TICKET
                   for h in result.hits)
        assert chunk.text[:40] not in result.answer


def test_handoff_category_comes_from_a_close_public_faq(deflector):
    result = Deflector(deflector.searcher, threshold=1.0, store=deflector.store).deflect(
        "請求書の金額を間違えて発行してしまいました")
    assert result.action is Action.HANDOFF and result.ticket is not None
    assert result.ticket.category in ("invoice", "")


def test_event_record_has_top_hits_and_outcome_fields(deflector):
    event = deflector.deflect(CONFIDENT).to_event(Channel.DEFLECT, EventType.DEFLECT, "s1")
    assert event.action is Action.ANSWER and event.session_id == "s1"
    assert event.hits and set(event.hits[0]) >= {"doc_id", "title", "score"}
    assert event.confidence is not None


@pytest.mark.parametrize("question, language", [("", None), ("   ", None), ("x" * 2001, None),
                                                ("請求書", "fr")])
def test_bad_questions_are_refused(deflector, question, language):
    with pytest.raises(ValueError):
        deflector.deflect(question, language)


def test_a_non_public_hit_is_never_served():
    hit = Hit(doc_id="d", chunk_id="c", title="返金対応手順", snippet="", url="", kind=Kind.MANUAL,
              visibility=Visibility.INTERNAL, language="ja", product="", score=1.0,
              scores={"bm25": None, "dense": 0.9})
    with pytest.raises(VisibilityLeak, match="internal manual chunk c"):
        _check_public([hit])


def test_answer_brings_a_whole_list_with_its_lead_in_and_skips_labels(tokenizer):
    text = ("手順は次のとおりです。\n1. 設定を開きます。\n2. 請求書を選びます。\n"
            "3. 再発行を押します。\n注意\n再発行すると番号が変わります。")
    source = Source("d", "manual", "再発行", "", text, "ja", 1.0)
    answer = compose_answer(Composer(tokenizer), "再発行の手順", [source], link="",
                            language="en")
    assert answer.body.startswith("手順は次のとおりです。\n1. 設定を開きます。")
    assert "3. 再発行を押します。" in answer.body and "注意" not in answer.body
    assert answer.see_more == "For details, see “再発行”."


def test_an_answer_from_one_of_the_ways_a_lead_in_announces_gives_them_all(deflector):
    # The manual's chunk for this question is 「### 方法1」 alone; one way of two is half an
    # answer, so the box quotes the lead-in and both ways.
    result = deflector.deflect("値引きをインボイスに反映したい")
    assert result.action is Action.ANSWER
    body = result.answer_body
    assert "次のどちらかの方法で対応できます。" in body
    assert "\n1. 請求書の品目に、税率を指定したうえでマイナスの金額" in body
    assert "\n2. 「請求書 > 新規作成」の右上にある「帳票の種類」で「返還請求書」" in body


def test_an_answer_from_the_lead_in_s_own_passage_gives_the_ways_it_announces(deflector):
    # 「返品」 matches the section whose passage ends in the lead-in, and the ways are passages of
    # their own: the lead-in alone would be no answer, so the box quotes them with it.
    result = deflector.deflect("納品した商品の一部が返品されたので、返還インボイスを発行したい")
    assert result.action is Action.ANSWER
    body = result.answer_body
    assert "次のどちらかの方法で対応できます。" in body and "\n2. 「請求書 > 新規作成」" in body


def test_ticket_draft_keeps_the_customers_words():
    ticket = draft_ticket("至急お願いします。二重に請求されています。", "ja", category="billing")
    assert ticket.body == "至急お願いします。二重に請求されています。"
    assert ticket.subject == "至急お願いします。" and ticket.priority == "high"
    assert ticket.to_dict()["category"] == "billing"
    assert draft_ticket("How do I export CSV?", "en").to_dict()["category"] is None
    assert guess_priority("Our site is down since this morning") == "high"
    assert guess_priority("How do I download the PDF?") == "normal"
    assert len(ticket_subject("あ" * 100)) == 60


def test_a_question_is_answered_in_its_language():
    assert reply_language("請求書 PDF") == "ja"
    assert reply_language("How do I reset my password") == "en"
