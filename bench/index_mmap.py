"""Loading a dense index: copied into memory vs memory-mapped from the snapshot's file.

Builds a flat and an HNSW index of ``--rows`` random unit vectors (the size, not the values,
is what loading costs), saves them, and loads each both ways in fresh processes, reporting
the load time and the process's private (RssAnon) and file-backed (RssFile) memory after 20
searches. File-backed pages are the page cache, one copy shared by every process that maps
the file (``kotae serve --workers N``); private pages are one copy per process.

    $ python bench/index_mmap.py --rows 100000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, sys, time
import numpy as np
from pathlib import Path
from kotae.retrieval import DenseIndex
path, mmap = Path(sys.argv[1]), sys.argv[2] == "1"
started = time.perf_counter()
index = DenseIndex.load(path, mmap=mmap)
load_ms = (time.perf_counter() - started) * 1000
rng = np.random.default_rng(0)
for _ in range(20):
    q = rng.normal(size=index.index.d).astype(np.float32)
    index.search(q / np.linalg.norm(q), 10)
mem = {}
for line in open("/proc/self/status"):
    if line.startswith(("RssAnon", "RssFile")):
        mem[line.split(":")[0]] = int(line.split()[1]) // 1024
print(json.dumps({"load_ms": round(load_ms, 1), **mem}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=384)
    args = parser.parse_args()
    import numpy as np

    from kotae.retrieval import DenseIndex

    rng = np.random.default_rng(42)
    vectors = rng.normal(size=(args.rows, args.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("flat", "hnsw"):
            path = Path(tmp) / f"{kind}.faiss"
            DenseIndex.build(vectors, kind).save(path)
            for mmap in ("0", "1"):
                run = subprocess.run([sys.executable, "-c", CHILD, str(path), mmap],
                                     capture_output=True, text=True, check=True)
                out[f"{kind} {'mmap' if mmap == '1' else 'copy'}"] = json.loads(run.stdout)
    print(json.dumps({"rows": args.rows, "dim": args.dim, "MB": "RssAnon/RssFile",
                      **out}, indent=2))


if __name__ == "__main__":
    main()
