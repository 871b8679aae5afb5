"""The ONNX Runtime embedder: a model exported by ``kotae models export-onnx``, no torch.

Inference is onnxruntime plus the ``tokenizers`` package. Passages are embedded in batches of
similar length (sorted, then put back in order), so little time goes into padding.

Example:
    >>> emb = OnnxEmbedder("var/models/minilm", variant="int8")
    >>> emb.embed_query("reset my password").shape
    (384,)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kotae.models.embedder import BaseEmbedder, Progress, Role, l2_normalise
from kotae.models.errors import MissingExtra, ModelError
from kotae.models.onnx_export import CONFIG

VARIANTS = ("fp32", "int8")


class OnnxEmbedder(BaseEmbedder):
    """Embeds with ``model.onnx`` (fp32) or ``model_int8.onnx`` (int8) from ``model_dir``."""

    def __init__(self, model_dir: str | Path, variant: str = "fp32", threads: int | None = None,
                 batch_size: int = 32) -> None:
        if variant not in VARIANTS:
            raise ValueError(f"unknown ONNX variant {variant!r}; allowed: {', '.join(VARIANTS)}")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.folder = Path(model_dir).expanduser()
        try:
            self.info = json.loads((self.folder / CONFIG).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{self.folder} is not an exported ONNX model (no readable {CONFIG}"
                             "); create it with `kotae models export-onnx MODEL`") from exc
        if variant not in self.info.get("variants", []):
            raise ValueError(f"{self.folder} has no {variant} model; export it with "
                             "--quantize int8" if variant == "int8" else "")
        self.variant, self.threads, self.batch_size = variant, threads, batch_size
        self.dim = int(self.info["dim"])
        self.id = f"onnx:{self.info['source']}:{variant}"
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                try:
                    import onnxruntime as ort
                    from tokenizers import Tokenizer
                except ImportError as exc:
                    raise MissingExtra("ONNX Runtime", "onnx", exc) from exc
                tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
                tokenizer.enable_truncation(int(self.info["max_length"]))
                tokenizer.enable_padding(pad_id=int(self.info["pad_id"]),
                                         pad_token=str(self.info["pad_token"]))
                options = ort.SessionOptions()
                if self.threads:
                    options.intra_op_num_threads = self.threads
                name = "model.onnx" if self.variant == "fp32" else "model_int8.onnx"
                try:
                    self._session = ort.InferenceSession(str(self.folder / name), options,
                                                         providers=["CPUExecutionProvider"])
                except Exception as exc:  # onnxruntime raises its own untyped errors
                    raise ModelError(f"cannot load {self.folder / name}: {exc}") from exc
                self._tokenizer = tokenizer
        return self._session, self._tokenizer

    def warm_up(self) -> None:
        self._load()

    def token_count(self, text: str) -> int:
        return len(self._load()[1].encode(text).ids)

    def embed_batch(self, texts: Sequence[str], role: Role) -> np.ndarray:
        session, tokenizer = self._session, self._tokenizer
        if session is None:
            session, tokenizer = self._load()
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        prefix = self.info["query_prefix"] if role is Role.QUERY else self.info["passage_prefix"]
        encoded = tokenizer.encode_batch([prefix + t for t in texts])
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                 "attention_mask": mask, "token_type_ids": np.zeros_like(mask)}
        hidden = session.run(None, {n: feeds[n] for n in self.info["inputs"]})[0]
        if self.info["pooling"] == "cls":
            pooled = hidden[:, 0]
        else:
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return l2_normalise(pooled)

    def embed_passages(self, texts: Sequence[str],
                       on_progress: Progress | None = None) -> np.ndarray:
        """Batches of similar length (less padding), returned in the original order."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            part = order[start:start + self.batch_size]
            out[part] = self.embed_batch([texts[i] for i in part], Role.PASSAGE)
            if on_progress:
                on_progress(len(part))
        return out
