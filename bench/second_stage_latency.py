"""What the second ranking stage costs a request: search, deflect and suggest on one KB, with the
stage on (the KB's settings) and off, side by side in one run.

Both KBs are opened once and warmed up; each question is asked of both in turn (the order
alternates), so a busy machine slows both alike and the ratio holds where the absolute figures do
not. In-process (no HTTP: the server adds its own few milliseconds to both). Questions: the
sample KB's ranking cases (customer questions, each asked once per endpoint); the server's
query-vector cache is cleared before each call so that every call embeds its question.

    python bench/second_stage_latency.py --kb var/kb --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from kotae.kb import Audience
from kotae.kb.settings import KBSettings
from kotae.knowledge_base import KnowledgeBase, open_kb
from kotae.suggest.replies.types import TicketIn

CASES = Path(__file__).resolve().parents[1] / "tests" / "retrieval" / "data" / "ranking_cases.yaml"


def _calls(kb: KnowledgeBase) -> dict[str, Callable[[str], object]]:
    return {
        "search": lambda q: kb.search(q, audience=Audience.PUBLIC, k=10),
        "deflect": lambda q: kb.deflect(q),
        "suggest": lambda q: kb.suggest(TicketIn(q[:40], q)),
    }


def _clear(kb: KnowledgeBase) -> None:
    """Forget the query vectors both the searcher and the composer keep."""
    kb.searcher._embed_query.cache_clear()  # type: ignore[attr-defined]
    kb.composer.vectors._queries.clear()


def run(kb_dir: Path, repeat: int) -> dict[str, dict[str, float]]:
    questions = [c["question"] for c in yaml.safe_load(CASES.read_text(encoding="utf-8"))]
    kbs = {"on": open_kb(KBSettings(home=kb_dir)),
           "off": open_kb(KBSettings(home=kb_dir, reranker="off"))}
    for kb in kbs.values():
        kb.warm_up()
        for call in _calls(kb).values():
            call("ウォームアップ")
    times: dict[tuple[str, str], list[float]] = {}
    for r in range(repeat):
        for i, q in enumerate(questions):
            order = ["on", "off"] if (i + r) % 2 == 0 else ["off", "on"]
            for endpoint in ("search", "deflect", "suggest"):
                for name in order:
                    _clear(kbs[name])
                    start = time.perf_counter()
                    _calls(kbs[name])[endpoint](q)
                    times.setdefault((endpoint, name), []).append(
                        (time.perf_counter() - start) * 1000)
    out: dict[str, dict[str, float]] = {}
    for endpoint in ("search", "deflect", "suggest"):
        on, off = times[(endpoint, "on")], times[(endpoint, "off")]
        out[endpoint] = {"p50_on_ms": statistics.median(on), "p50_off_ms": statistics.median(off),
                         "p95_on_ms": statistics.quantiles(on, n=20)[-1],
                         "p95_off_ms": statistics.quantiles(off, n=20)[-1],
                         "ratio_p50": statistics.median(on) / statistics.median(off),
                         "calls": len(on)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, required=True, help="An ingested KB directory.")
    parser.add_argument("--repeat", type=int, default=3, help="Rounds over the questions.")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.kb, args.repeat), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
