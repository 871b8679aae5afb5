"""Draft quality on written cases: does the reply an agent reads say what it must, and nothing
it must not?

Each case (YAML; the sample KB's set is ``tests/suggest/data/draft_cases.yaml``) is a ticket
with ``must_contain`` (items of alternatives: the draft must contain one alternative of every
item), ``must_not_contain`` (strings that must never appear: another customer's details copied
from a past reply, sentences of unrelated pages) and, for urgent tickets, the least
``priority`` triage must give (urgent counts for high). Matching is on the draft's text after
NFKC, case-folded.

    $ python -m kotae.eval.draft_quality --kb var/kb --cases tests/suggest/data/draft_cases.yaml

Example:
    >>> results = run_cases(load_cases(path), kb.suggester)
    >>> summary(results)["pass_rate"]
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from kotae.suggest import Suggestion, TicketIn
from kotae.suggest.replies.rules import PRIORITIES


class Suggests(Protocol):
    def suggest(self, ticket: TicketIn) -> Suggestion: ...


@dataclass(frozen=True)
class DraftCase:
    id: str
    kind: str
    subject: str
    body: str
    language: str
    must_contain: list[list[str]]
    must_not_contain: list[str] = field(default_factory=list)
    priority: str | None = None


@dataclass(frozen=True)
class CaseResult:
    case: DraftCase
    draft: str
    priority: str
    missing: list[list[str]]  # items none of whose alternatives is in the draft
    forbidden: list[str]  # must_not_contain strings that are in it
    priority_ok: bool

    @property
    def passed(self) -> bool:
        return not self.missing and not self.forbidden and self.priority_ok


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def load_cases(path: Path) -> list[DraftCase]:
    """The cases of a YAML file (a list of mappings; unknown keys such as notes are kept out)."""
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of cases")
    names = set(DraftCase.__dataclass_fields__)
    return [DraftCase(**{k: v for k, v in item.items() if k in names}) for item in data]


def check(case: DraftCase, draft: str, priority: str) -> CaseResult:
    """How a reply (its text, and the priority triage gave) fares on ``case``."""
    text = _fold(draft)
    missing = [item for item in case.must_contain
               if not any(_fold(alt) in text for alt in item)]
    forbidden = [s for s in case.must_not_contain if _fold(s) in text]
    return CaseResult(case, draft, priority, missing, forbidden,
                      _at_least(priority, case.priority))


def _at_least(priority: str, wanted: str | None) -> bool:
    """Whether triage gave ``wanted`` or a higher priority (urgent counts for high)."""
    if wanted is None:
        return True
    return PRIORITIES.index(priority) >= PRIORITIES.index(wanted) if priority in PRIORITIES \
        else False


def run_cases(cases: Sequence[DraftCase], suggester: Suggests) -> list[CaseResult]:
    out = []
    for c in cases:
        suggestion = suggester.suggest(TicketIn(c.subject, c.body, c.language))
        out.append(check(c, suggestion.draft.text, suggestion.triage.priority))
    return out


def summary(results: Sequence[CaseResult]) -> dict[str, Any]:
    """Pass rate overall and per kind, and how often each check failed."""
    kinds = Counter(r.case.kind for r in results)
    passed = Counter(r.case.kind for r in results if r.passed)
    urgent = [r for r in results if r.case.priority is not None]
    return {
        "cases": len(results),
        "pass_rate": sum(r.passed for r in results) / len(results) if results else 0.0,
        "by_kind": {k: round(passed[k] / n, 3) for k, n in sorted(kinds.items())},
        "missing_fact": sum(bool(r.missing) for r in results),
        "forbidden_text": sum(bool(r.forbidden) for r in results),
        "urgent_priority_right": (sum(r.priority_ok for r in urgent) / len(urgent)
                                  if urgent else None),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, required=True, help="An ingested KB directory.")
    parser.add_argument("--cases", type=Path, required=True, help="The cases (YAML).")
    parser.add_argument("--out", type=Path, help="Write per-case results (JSON) here.")
    args = parser.parse_args(argv)
    from kotae.knowledge_base import open_kb

    results = run_cases(load_cases(args.cases), open_kb(args.kb).suggester)
    out = summary(results)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    for r in results:
        if not r.passed:
            print(f"FAIL {r.case.id}: missing {r.missing} forbidden {r.forbidden} "
                  f"priority {r.priority} (want {r.case.priority})", file=sys.stderr)
    if args.out:
        args.out.write_text(json.dumps([{
            "id": r.case.id, "kind": r.case.kind, "passed": r.passed, "missing": r.missing,
            "forbidden": r.forbidden, "priority": r.priority, "draft": r.draft}
            for r in results], ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
