"""Right the first time, on written cases: is the top public hit the document that answers?

Each case (YAML; the sample KB's set is ``tests/retrieval/data/ranking_cases.yaml``) is a
customer's question with the documents that answer it (``answers``: paths relative to the KB's
source folder, or FAQ ids), the tempting wrong ones that must not come first (``not_top``), or
``answers: none`` for a question the KB does not answer (kotae should hand it off). A case
passes when the top hit of a public search is one of its answers and none of its ``not_top``
(an unanswerable one: when the deflector hands it off).

    $ python -m kotae.eval.ranking_cases --kb var/kb \
        --cases tests/retrieval/data/ranking_cases.yaml

Example:
    >>> results = run_cases(load_cases(path), kb)
    >>> summary(results)["top1"]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kotae.kb import Action, Audience, KBStore
from kotae.knowledge_base import KnowledgeBase


@dataclass(frozen=True)
class RankingCase:
    id: str
    question: str
    language: str
    answers: list[str]  # [] when no document answers it
    not_top: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RankingResult:
    case: RankingCase
    top: str  # the top hit as a case names documents ("" when there was none)
    answered: bool  # the deflector answered (rather than handing off)
    confidence: float

    @property
    def right_top(self) -> bool:
        return bool(self.case.answers) and self.top in self.case.answers

    @property
    def wrong_top(self) -> bool:
        """The top hit is one the case names as a tempting wrong document."""
        return self.top in self.case.not_top

    @property
    def passed(self) -> bool:
        if not self.case.answers:
            return not self.answered
        return self.right_top


def load_cases(path: Path) -> list[RankingCase]:
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return [RankingCase(id=c["id"], question=c["question"], language=c.get("language", "ja"),
                        answers=[] if c["answers"] == "none" else list(c["answers"]),
                        not_top=list(c.get("not_top") or [])) for c in data]


def document_names(store: KBStore) -> dict[str, str]:
    """doc id → the name cases use: the FAQ id for FAQ entries, else the source path from the
    folder that was ingested (``manuals/invoices.md``)."""
    names: dict[str, str] = {}
    for _chunk, doc in store.iter_chunks_with_documents():
        faq_id = doc.meta.get("faq_id")
        names[doc.id] = str(faq_id) if faq_id else "/".join(Path(doc.source).parts[-2:])
    return names


def run_cases(cases: Sequence[RankingCase], kb: KnowledgeBase) -> list[RankingResult]:
    names = document_names(kb.store)
    deflector = kb.deflector()
    out = []
    for case in cases:
        result = kb.search(case.question, audience=Audience.PUBLIC, k=5)
        top = names.get(result.hits[0].doc_id, "") if result.hits else ""
        answered = deflector.deflect(case.question).action is Action.ANSWER
        out.append(RankingResult(case, top, answered, result.confidence))
    return out


def summary(results: Sequence[RankingResult]) -> dict[str, Any]:
    answerable = [r for r in results if r.case.answers]
    unanswerable = [r for r in results if not r.case.answers]
    traps = [r for r in results if r.case.not_top]
    answered = [r for r in answerable if r.answered]
    return {
        "cases": len(results),
        "top1": sum(r.right_top for r in answerable) / len(answerable) if answerable else None,
        "trapped": (sum(r.wrong_top for r in traps) / len(traps)) if traps else None,
        "answered": len(answered) / len(answerable) if answerable else None,
        "answered_right": (sum(r.right_top for r in answered) / len(answered)
                           if answered else None),
        "unanswerable_handed_off": (sum(not r.answered for r in unanswerable)
                                    / len(unanswerable) if unanswerable else None),
        "pass_rate": sum(r.passed for r in results) / len(results) if results else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, required=True, help="The sample KB, ingested.")
    parser.add_argument("--cases", type=Path, required=True, help="The cases (YAML).")
    args = parser.parse_args(argv)
    from kotae.knowledge_base import open_kb

    results = run_cases(load_cases(args.cases), open_kb(args.kb))
    print(json.dumps(summary(results), ensure_ascii=False, indent=2))
    for r in results:
        if not r.passed:
            print(f"FAIL {r.case.id} {r.case.question!r}: top {r.top} (want {r.case.answers}); "
                  f"answered={r.answered} confidence={r.confidence:.2f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
