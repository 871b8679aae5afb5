"""Answer sources: does the answer a customer reads quote a document that answers?

Every question of a judged set (BEIR layout) is asked of the real deflector on a KB holding its
corpus (``prepare_eval``: built once, reused), and each composed answer's quoted sources are
checked against the qrels: the share of answers whose first quoted source is relevant, whose
every quoted source is, and whose first quoted source is retrieval's first hit (the document
the answer's 「詳しくは「…」」 line names). Run it on a set the KB's ranking model was not
fitted on (``kotae eval rerank --ship`` writes one from other sets).

    $ python -m kotae.eval.answer_sources --beir /tmp/b/localgovfaq --kb /tmp/kb-lgf

Example:
    >>> tally([Quoted(["a"], "a", {"a"}), Quoted(["b", "a"], "a", {"a"})])["first_relevant"]
    0.5
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Quoted:
    """One answered question: the corpus ids its answer quotes (in order), retrieval's first
    hit, and the relevant corpus ids."""

    quoted: list[str]
    first_hit: str
    relevant: set[str]


def tally(rows: Iterable[Quoted]) -> dict[str, float]:
    rows = [r for r in rows if r.quoted]
    n = len(rows) or 1
    return {
        "answers": float(len(rows)),
        "first_relevant": sum(r.quoted[0] in r.relevant for r in rows) / n,
        "all_relevant": sum(all(q in r.relevant for q in r.quoted) for r in rows) / n,
        "quotes_first_hit": sum(r.quoted[0] == r.first_hit for r in rows) / n,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--beir", type=Path, required=True, help="A judged set (BEIR layout).")
    parser.add_argument("--kb", type=Path, required=True,
                        help="KB directory holding the set's corpus (built when missing).")
    parser.add_argument("--min-grade", type=int, default=1,
                        help="Lowest qrels grade that counts as relevant.")
    args = parser.parse_args(argv)
    from kotae.eval.setup import EvalOptions, prepare_eval
    from kotae.knowledge_base import open_kb

    setup = prepare_eval(args.beir, EvalOptions(kb_dir=args.kb))
    deflector = open_kb(setup.kb.kb_dir, embedder=setup.searcher.embedder).deflector()
    rows, asked = [], 0
    for qid, text in setup.data.queries.items():
        relevant = {d for d, g in setup.data.qrels.get(qid, {}).items() if g >= args.min_grade}
        if not relevant:
            continue
        asked += 1
        out = deflector.deflect(text)
        if out.quoted:
            rows.append(Quoted([setup.kb.corpus_id(d) for d in out.quoted],
                               setup.kb.corpus_id(out.hits[0].doc_id), relevant))
    print(json.dumps({"questions": asked, **tally(rows)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
