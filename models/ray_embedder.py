"""Embedding on a Ray cluster: Ray Data ``map_batches`` over actors that each hold an embedder.

The wrapper has the same ``id`` and ``dim`` as the embedder it fans out, so its vectors share the
embedding cache and a snapshot built with it equals one built locally. Queries stay local.
Each worker builds its own embedder from the registry (``backend``, ``model``): no model
object is pickled, nothing but config names cross the wire.

Example:
    >>> emb = RayEmbedder("e5-small", address=None, workers=2)   # a local Ray, started here
    >>> emb.embed_passages(["請求書を作成する", "パスワードの再設定"]).shape
    (2, 384)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from kotae.models.embedder import BaseEmbedder, Progress, Role
from kotae.models.errors import MissingExtra, ModelError
from kotae.models.registry import make_embedder

log = logging.getLogger(__name__)


def _ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise MissingExtra("Ray", "ray", exc) from exc
    return ray


class _EmbedWorker:
    """A Ray Data actor: one embedder per worker process, loaded once."""

    def __init__(self, backend: str, model: str | None, threads: int, expected_id: str) -> None:
        # Workers share the machine's cores: each one's math library gets its share only.
        os.environ["OMP_NUM_THREADS"] = str(threads)
        self.embedder = make_embedder(backend, model)
        if self.embedder.id != expected_id:
            raise ModelError(f"worker embedder {self.embedder.id!r} is not {expected_id!r}")

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.embedder.embed_passages([str(t) for t in batch["text"]])
        return {"i": batch["i"], "vector": vectors}


class RayEmbedder(BaseEmbedder):
    """``make_embedder(backend, model)``, with passages embedded by ``workers`` Ray actors.

    ``address`` is a Ray cluster address (``ray://host:10001`` or ``auto``); None uses the Ray
    already initialised in this process, or starts a local one on loopback.
    """

    def __init__(self, backend: str, model: str | None = None, *, address: str | None = None,
                 workers: int = 2, batch_size: int = 64, threads_per_worker: int = 1,
                 expected_id: str | None = None) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if threads_per_worker < 1:
            raise ValueError(f"threads_per_worker must be at least 1, got {threads_per_worker}")
        self.local = make_embedder(backend, model)
        if expected_id is not None and self.local.id != expected_id:
            raise ValueError(f"embedder {backend!r} is {self.local.id!r}, not {expected_id!r}")
        self.backend, self.model, self.address = backend, model, address
        self.workers, self.batch_size = workers, batch_size
        self.threads_per_worker = threads_per_worker
        self.id = self.local.id

    @property
    def dim(self) -> int:  # type: ignore[override]
        return self.local.dim

    def warm_up(self) -> None:
        self._connect()

    def _connect(self) -> Any:
        ray = _ray()
        if not ray.is_initialized():
            if self.address:
                ray.init(address=self.address, log_to_driver=False)
            else:
                ray.init(include_dashboard=False, log_to_driver=False,
                         _node_ip_address="127.0.0.1")
        return ray

    def embed_query(self, text: str) -> np.ndarray:
        return self.local.embed_query(text)

    def embed_batch(self, texts: Sequence[str], role: Role) -> np.ndarray:
        if role is Role.QUERY:
            return self.local.embed_batch(texts, role)
        return self.embed_passages(texts)

    def embed_passages(self, texts: Sequence[str],
                       on_progress: Progress | None = None) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ray = self._connect()
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.enable_operator_progress_bars = False
        items = [{"i": i, "text": t} for i, t in enumerate(texts)]
        actors = min(self.workers, -(-len(texts) // self.batch_size))
        dataset = ray.data.from_items(items).map_batches(
            _EmbedWorker, batch_size=self.batch_size, batch_format="numpy",
            fn_constructor_args=(self.backend, self.model, self.threads_per_worker, self.id),
            compute=ray.data.ActorPoolStrategy(size=actors), num_cpus=self.threads_per_worker)
        done = 0
        for batch in dataset.iter_batches(batch_format="numpy", batch_size=None):
            out[np.asarray(batch["i"], dtype=np.int64)] = np.stack(list(batch["vector"]))
            done += len(batch["i"])
            if on_progress:
                on_progress(len(batch["i"]))
        if done != len(texts):
            raise ModelError(f"Ray returned {done} vectors for {len(texts)} texts")
        return out
