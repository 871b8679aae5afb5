"""Answer containment: does the deflection answer a customer reads contain the answer?

JSQuAD (JGLUE) paragraphs become public Markdown articles (one per paragraph, titled with the
article's title and the paragraph's number); every question is asked through the real
``POST /v1/deflect`` (the app in process), and the report gives the answered share, how often
the top source is the question's own paragraph (among answered), how often a gold answer
string is inside the answer's text (NFKC, spaces removed; among answered and overall) and the
median answer length in characters. The answer's text is its body: the closing line naming
the source (「詳しくは「梅雨 3」をご覧ください」) is left out of the containment check, since a
title may itself hold the answer; the lengths are given with and without it.

    $ python -m kotae.eval.answer_containment --jsquad ../shared/data/jsquad/valid-v1.3.json \\
          --kb /tmp/jsquad-valid-kb --out /tmp/containment.json

The KB is built once (ingest is incremental: a second run embeds nothing) and reused.

Example:
    >>> paragraphs = read_jsquad(Path("valid-v1.3.json"))
    >>> write_articles(paragraphs, Path("/tmp/kb/source"))
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEP = " [SEP] "


@dataclass(frozen=True)
class Paragraph:
    title: str  # "<article title> <paragraph number>", unique in the file
    text: str
    questions: list[tuple[str, list[str]]]  # (question, gold answers)


@dataclass(frozen=True)
class Asked:
    question: str
    gold_title: str
    answers: list[str]
    action: str
    top_title: str
    answer: str
    body: str

    @property
    def answered(self) -> bool:
        return self.action == "answer"

    @property
    def top_right(self) -> bool:
        return self.top_title == self.gold_title

    @property
    def contains(self) -> bool:
        body = squash(self.body)
        return self.answered and any(squash(a) in body for a in self.answers if squash(a))


def squash(text: str) -> str:
    """NFKC with every space removed (JSQuAD's answers are spans of NFKC-able text)."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def read_jsquad(path: Path) -> list[Paragraph]:
    """The paragraphs of a JSQuAD file with their questions and gold answers."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    out: list[Paragraph] = []
    for article in data["data"]:
        for n, para in enumerate(article["paragraphs"], start=1):
            context = para["context"]
            text = context.split(SEP, 1)[1] if SEP in context else context
            qas = [(qa["question"], [a["text"] for a in qa["answers"]]) for qa in para["qas"]]
            out.append(Paragraph(f"{article['title']} {n}", text.strip(), qas))
    return out


def write_articles(paragraphs: Sequence[Paragraph], folder: Path) -> None:
    """One public Markdown article per paragraph (unchanged files are left as they are)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, p in enumerate(paragraphs):
        title = p.title.replace('"', "'")
        text = f'---\ntitle: "{title}"\nvisibility: public\nlanguage: ja\n---\n\n{p.text}\n'
        path = folder / f"p{i:05d}.md"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def body_of(answer: str) -> str:
    """The answer without its closing line that names the source."""
    head, sep, last = answer.rpartition("\n\n")
    return head if sep and last.startswith(("詳しくは", "For details")) else answer


def ask_all(app: Any, paragraphs: Sequence[Paragraph], limit: int | None) -> Iterator[Asked]:
    """Every question through ``POST /v1/deflect`` of ``app`` (in process)."""
    from fastapi.testclient import TestClient

    pairs = [(p, q, a) for p in paragraphs for q, a in p.questions][:limit]
    with TestClient(app) as client:
        for p, question, answers in pairs:
            r = client.post("/v1/deflect", json={"question": question, "language": "ja"})
            r.raise_for_status()
            out = r.json()
            answer = out.get("answer") or ""
            sources = out.get("sources") or []
            yield Asked(question, p.title, answers, out["action"],
                        sources[0]["title"] if sources else "", answer, body_of(answer))


def report(results: Sequence[Asked]) -> dict[str, Any]:
    """The protocol's figures, with the counts they come from."""
    answered = [r for r in results if r.answered]
    n, m = len(results), len(answered)

    def share(k: int, total: int) -> float:
        return round(k / total, 4) if total else 0.0

    return {
        "questions": n, "answered": m, "answered_share": share(m, n),
        "top_source_right_of_answered": share(sum(r.top_right for r in answered), m),
        "gold_inside_of_answered": share(sum(r.contains for r in answered), m),
        "gold_inside_overall": share(sum(r.contains for r in results), n),
        "median_chars": statistics.median(len(r.body) for r in answered) if m else 0,
        "median_chars_with_link_line": (statistics.median(len(r.answer) for r in answered)
                                        if m else 0),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jsquad", type=Path, required=True, help="A JSQuAD v1.3 JSON file.")
    parser.add_argument("--kb", type=Path, required=True,
                        help="KB directory (built on the first run, reused after).")
    parser.add_argument("--limit", type=int, help="Ask only the first N questions.")
    parser.add_argument("--out", type=Path, help="Write the figures and per-question results.")
    args = parser.parse_args(argv)
    from kotae.app.api import create_app
    from kotae.app.settings import Settings
    from kotae.knowledge_base import open_kb

    paragraphs = read_jsquad(args.jsquad)
    source = args.kb / "source"
    write_articles(paragraphs, source)
    settings = Settings(home=args.kb, rate_limit_per_minute=0)  # 0: no limit
    kb = open_kb(settings)
    started = time.monotonic()
    kb.ingest([source])
    built = time.monotonic() - started
    started = time.monotonic()
    results = list(ask_all(create_app(settings, kb=kb), paragraphs, args.limit))
    figures = report(results) | {"ingest_seconds": round(built, 1),
                                 "ask_seconds": round(time.monotonic() - started, 1),
                                 "dataset": str(args.jsquad)}
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if args.out:
        rows = [{"question": r.question, "gold": r.answers, "gold_title": r.gold_title,
                 "action": r.action, "top_title": r.top_title, "contains": r.contains,
                 "answer": r.answer} for r in results]
        args.out.write_text(json.dumps({"figures": figures, "results": rows},
                                       ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
