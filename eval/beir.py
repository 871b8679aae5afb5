"""Datasets in the BEIR layout: read, write and fingerprint.

A BEIR folder holds ``corpus.jsonl`` (``_id``, ``title``, ``text``), ``queries.jsonl`` (``_id``,
``text``, optional ``metadata``) and ``qrels/<split>.tsv`` (``query-id corpus-id score`` with a
header line). kotae adds one convention: a query listed in ``queries.jsonl`` with no qrels is
*out of scope* (nothing in the corpus answers it), which the deflection eval uses.

Example:
    >>> data = read_beir("data/localgovfaq-beir")
    >>> len(data.corpus), len(data.queries), data.fingerprint[:8]
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kotae.eval.errors import DatasetError


@dataclass
class BeirDataset:
    """A corpus, queries and graded relevance judgements (qrels)."""

    corpus: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (title, text)
    # id -> other phrasings of an FAQ entry's question (the FAQ sheet's variants column)
    variants: dict[str, list[str]] = field(default_factory=dict)
    queries: dict[str, str] = field(default_factory=dict)
    qrels: dict[str, dict[str, int]] = field(default_factory=dict)  # qid -> {doc id: grade}
    name: str = ""
    fingerprint: str = ""  # of all files: names the exact eval set
    corpus_fingerprint: str = ""  # of the corpus only: names the KB that can be reused

    def judged_queries(self) -> dict[str, str]:
        """Queries that have at least one relevant document (the retrieval eval set)."""
        return {q: t for q, t in self.queries.items()
                if any(g > 0 for g in self.qrels.get(q, {}).values())}

    def out_of_scope_queries(self) -> dict[str, str]:
        """Queries with no relevant document at all (see the module docstring)."""
        return {q: t for q, t in self.queries.items()
                if not any(g > 0 for g in self.qrels.get(q, {}).values())}


def _jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    yield number, json.loads(line)
                except ValueError as exc:
                    raise DatasetError(f"{path}:{number} is not valid JSON ({exc})") from exc


def fingerprint_files(paths: list[Path]) -> str:
    """A short SHA-256 over the files' names and bytes: same data, same fingerprint."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0")
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def read_beir(folder: str | Path, split: str = "test") -> BeirDataset:
    """Read a BEIR folder; raises DatasetError saying which file is missing or bad."""
    root = Path(folder)
    corpus_path, queries_path = root / "corpus.jsonl", root / "queries.jsonl"
    qrels_path = root / "qrels" / f"{split}.tsv"
    for path in (corpus_path, queries_path, qrels_path):
        if not path.is_file():
            raise DatasetError(f"{path} not found; a BEIR folder needs corpus.jsonl, "
                               f"queries.jsonl and qrels/{split}.tsv "
                               "(`kotae eval convert` writes them)")
    data = BeirDataset(name=root.name,
                       fingerprint=fingerprint_files([corpus_path, queries_path, qrels_path]),
                       corpus_fingerprint=fingerprint_files([corpus_path]))
    for number, row in _jsonl(corpus_path):
        if "_id" not in row:
            raise DatasetError(f"{corpus_path}:{number} has no _id")
        data.corpus[str(row["_id"])] = (str(row.get("title") or ""), str(row.get("text") or ""))
    for number, row in _jsonl(queries_path):
        if "_id" not in row or "text" not in row:
            raise DatasetError(f"{queries_path}:{number} needs _id and text")
        data.queries[str(row["_id"])] = str(row["text"])
    with open(qrels_path, encoding="utf-8", newline="") as fh:
        for number, cells in enumerate(csv.reader(fh, delimiter="\t"), start=1):
            if not cells or (number == 1 and cells[0] == "query-id"):
                continue
            if len(cells) < 3:
                raise DatasetError(f"{qrels_path}:{number} needs query-id, corpus-id, score")
            try:
                grade = int(float(cells[2]))
            except ValueError:
                raise DatasetError(f"{qrels_path}:{number} score {cells[2]!r} is not a number"
                                   ) from None
            data.qrels.setdefault(cells[0], {})[cells[1]] = grade
    if not data.corpus or not data.queries:
        raise DatasetError(f"{root} has an empty corpus or no queries")
    return data


def write_beir(data: BeirDataset, folder: str | Path, split: str = "test") -> Path:
    """Write ``data`` as a BEIR folder (created if needed); returns the folder."""
    root = Path(folder)
    (root / "qrels").mkdir(parents=True, exist_ok=True)
    with open(root / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for doc_id, (title, text) in data.corpus.items():
            fh.write(json.dumps({"_id": doc_id, "title": title, "text": text},
                                ensure_ascii=False) + "\n")
    out_of_scope = data.out_of_scope_queries()
    with open(root / "queries.jsonl", "w", encoding="utf-8") as fh:
        for qid, text in data.queries.items():
            row: dict = {"_id": qid, "text": text}
            if qid in out_of_scope:
                row["metadata"] = {"out_of_scope": True}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    with open(root / "qrels" / f"{split}.tsv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["query-id", "corpus-id", "score"])
        for qid, docs in data.qrels.items():
            for doc_id, grade in docs.items():
                writer.writerow([qid, doc_id, grade])
    return root
