"""What keeping each chunk's words saves a search: the searcher's snippet cache on and off, side by
side in one run.

A hit's snippet and highlights need the chunk's content words (a Sudachi analysis); the searcher
keeps them per chunk text (``retrieval.searcher.SPAN_CACHE`` chunks), so an answer that comes
back for many questions is analysed once. Two searchers over the same KB, one with the cache and
one without, each asked every question of the sample KB's ranking cases in turn (the order
alternates, so a busy machine slows both alike); each question is asked once per round and the
query-vector cache is cleared before every call, so what differs is only the snippets' analysis.
Round 1 starts with an empty cache: its saving comes only from answers shared by several
questions; later rounds show a warm cache. In-process, ``/v1/search``'s call (public, k=10).

    python bench/snippet_cache.py --kb var/kb --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import yaml

from kotae.kb import Audience
from kotae.kb.settings import KBSettings
from kotae.knowledge_base import open_kb
from kotae.retrieval import Searcher

CASES = Path(__file__).resolve().parents[1] / "tests" / "retrieval" / "data" / "ranking_cases.yaml"


def run(kb_dir: Path, repeat: int) -> dict[str, object]:
    questions = [c["question"] for c in yaml.safe_load(CASES.read_text(encoding="utf-8"))]
    kb = open_kb(KBSettings(home=kb_dir))
    kb.warm_up()
    base = kb.searcher
    searchers = {"on": base, "off": Searcher(kb_dir, base.embedder, base.tokenizer, base.config,
                                             base.reranker, base.rerank_depth, span_cache=0)}
    for s in searchers.values():
        s.search("ウォームアップ", audience=Audience.PUBLIC, k=10)
    base._analyse.cache_clear()  # type: ignore[attr-defined]
    times: dict[tuple[int, str], list[float]] = {}
    for r in range(repeat):
        for i, q in enumerate(questions):
            for name in (["on", "off"] if (i + r) % 2 == 0 else ["off", "on"]):
                s = searchers[name]
                s._embed_query.cache_clear()  # type: ignore[attr-defined]
                start = time.perf_counter()
                s.search(q, audience=Audience.PUBLIC, k=10)
                times.setdefault((r, name), []).append((time.perf_counter() - start) * 1000)
    rounds = []
    for r in range(repeat):
        on, off = statistics.median(times[(r, "on")]), statistics.median(times[(r, "off")])
        rounds.append({"round": r + 1, "p50_on_ms": round(on, 2), "p50_off_ms": round(off, 2),
                       "ratio_p50": round(on / off, 3), "questions": len(times[(r, "on")])})
    info = base._analyse.cache_info()  # type: ignore[attr-defined]
    return {"rounds": rounds, "cache": {"hits": info.hits, "misses": info.misses,
                                        "chunks_kept": info.currsize}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, required=True, help="An ingested KB directory.")
    parser.add_argument("--repeat", type=int, default=3, help="Rounds over the questions.")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.kb, args.repeat), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
