"""Converters for question → passage sets: JSQuAD (Japanese) and ePQA (English)."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

from kotae.eval.beir import BeirDataset
from kotae.eval.convert_faq import load_json, pick_file
from kotae.eval.errors import DatasetError


def convert_jsquad(src: Path) -> BeirDataset:
    """JSQuAD (JGLUE): corpus = the paragraphs of one file, query = question, relevant = its
    own paragraph (exactly one).

    ``src`` is a SQuAD-style JSON file or the JGLUE folder (then ``valid-v1.3.json`` is used).
    A paragraph's ``context`` is ``"<title> [SEP] <text>"``: the article title becomes the title.
    """
    raw = load_json(pick_file(src, ("valid-v1.3.json", "valid-v1.1.json", "valid.json")))
    try:
        articles = raw["data"]
    except (KeyError, TypeError):
        raise DatasetError("JSQuAD JSON must look like {\"data\": [...]}") from None
    data = BeirDataset(name="jsquad")
    for a, article in enumerate(articles):
        for p, paragraph in enumerate(article.get("paragraphs", [])):
            title, sep, text = str(paragraph.get("context", "")).partition(" [SEP] ")
            if not sep:
                title, text = str(article.get("title", "")), title
            doc_id = f"a{a}p{p}"
            data.corpus[doc_id] = (title.strip(), text.strip())
            for qa in paragraph.get("qas", []):
                qid = str(qa.get("id") or f"{doc_id}q{len(data.queries)}")
                data.queries[qid] = str(qa.get("question", "")).strip()
                data.qrels[qid] = {doc_id: 1}
    return data


def _read_csv(path: Path) -> list[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as fh:  # type: ignore[operator]
            return list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"cannot read {path} as CSV ({exc})") from exc


def convert_epqa(src: Path) -> BeirDataset:
    """ePQA (xPQA's English part): every candidate snippet is a document (title = product
    title), every question a query; labels 2 (answers) and 1 (helpful) are the grades.

    Questions whose candidates are all label 0 have no qrels and so count as out of scope.
    """
    rows = _read_csv(pick_file(src, ("ePQA_dev.csv.gz", "dev.csv", "dev.csv.gz")))
    needed = {"qid", "question", "candidate", "qa_pair_id", "label"}
    if rows and not needed <= set(rows[0]):
        raise DatasetError(f"ePQA CSV lacks columns {', '.join(sorted(needed - set(rows[0])))}")
    data = BeirDataset(name="epqa")
    for row in rows:
        doc_id, qid = f"c{row['qa_pair_id']}", f"q{row['qid']}"
        data.corpus[doc_id] = (row.get("title", "").strip(), row["candidate"].strip())
        data.queries[qid] = row["question"].strip()
        try:
            grade = int(row["label"])
        except ValueError:
            raise DatasetError(f"ePQA label {row['label']!r} is not 0, 1 or 2") from None
        if grade > 0:
            data.qrels.setdefault(qid, {})[doc_id] = grade
    return data
