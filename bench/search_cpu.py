"""The CPU a search costs besides embedding its question: every step after the query vector
(the arms, fusion, the second stage, snippets, confidence), in process.

Each question is searched once first, so its vector is in the searcher's cache; then every
question is searched again, ``--rounds`` times, and the best round's CPU time per question is
reported (the best round is the one least disturbed by other work on the machine). Questions:
the sample KB's ranking cases and the draft cases' tickets (subject and body), as customers
and agents type them. Compare two versions of the code on one KB by running this with each.

    python bench/search_cpu.py --kb var/kb --rounds 7
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import yaml

from kotae.kb import Audience
from kotae.knowledge_base import open_kb

DATA = Path(__file__).resolve().parents[1] / "tests"
RANKING = DATA / "retrieval" / "data" / "ranking_cases.yaml"
DRAFTS = DATA / "suggest" / "data" / "draft_cases.yaml"


def questions() -> list[str]:
    ranking = yaml.safe_load(RANKING.read_text(encoding="utf-8"))
    drafts = yaml.safe_load(DRAFTS.read_text(encoding="utf-8"))
    return [c["question"] for c in ranking] + [f"{c['subject']}\n{c['body']}" for c in drafts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, required=True, help="an ingested KB directory")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    searcher = open_kb(args.kb).searcher
    searcher.warm_up()
    asked = questions()
    for q in asked:  # embeds each question once: later rounds read its vector from the cache
        searcher.search(q, audience=Audience.PUBLIC, k=10)
    best = float("inf")
    for _ in range(args.rounds):
        start = time.process_time()
        for q in asked:
            searcher.search(q, audience=Audience.PUBLIC, k=10)
        best = min(best, time.process_time() - start)
    print(f"{len(asked)} questions, best of {args.rounds} rounds: "
          f"{best / len(asked) * 1000:.2f} ms of CPU per search after the query vector")


if __name__ == "__main__":
    main()
