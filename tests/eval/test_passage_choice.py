"""The passage-choice benchmark's reading of doc2dial and its test of a passage."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

from kotae.eval.passage_choice import holds, span_sentences
from kotae.eval.suggest_bench import read_doc2dial

PAGE = ("Renew your license online.\n\nThe fee is $40 and you can pay it by card. "
        "Bring your old license to the office if you renew in person.")


def test_a_passage_holds_the_span_when_it_holds_one_of_its_sentences() -> None:
    span = "The fee is $40 and you can pay it by card. Bring your old license."
    said = span_sentences(span)
    assert len(said) == 2
    assert holds("...renewal. The fee is  $40 and you can pay it by CARD. Next...", said)
    assert not holds("Renew your license online.", said)
    assert span_sentences("Yes.") == ["yes."]  # a span too short to split is taken whole


def test_turns_are_the_latest_user_turn_with_the_span_answered_from(tmp_path: Path) -> None:
    folder = tmp_path / "doc2dial"
    folder.mkdir()
    rows = [
        {"id": "d1_1", "question": "user:How much is it?\tagent:Hi\tuser:I want to renew",
         "context": PAGE, "spans": "{}", "domain": "dmv", "title": "Renewal#1_0",
         "answers": "{'text': ['The fee is $40 and you can pay it by card. '], "
                    "'answer_start': [28]}"},
        {"id": "d1_2", "question": "user:Thanks", "context": PAGE, "spans": "{}",
         "domain": "dmv", "title": "Renewal#1_0", "answers": "{'text': [], 'answer_start': []}"},
    ]
    with gzip.open(folder / "doc2dial_rc_val.csv.gz", "wt", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    docs, turns = read_doc2dial(folder)
    assert list(docs.values()) == [("Renewal", PAGE)]
    assert [(t.id, t.text, t.span.strip()) for t in turns] == [
        ("d1_1", "How much is it?", "The fee is $40 and you can pay it by card."),
        ("d1_2", "Thanks", "")]  # a turn answered from nothing (passage_choice leaves it out)
    assert turns[0].doc in docs
