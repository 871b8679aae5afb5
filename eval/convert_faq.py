"""Converters for FAQ retrieval sets: LocalgovFAQ (Japanese) and StackFAQ (English)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kotae.eval.beir import BeirDataset
from kotae.eval.errors import DatasetError


def pick_file(src: Path, names: tuple[str, ...]) -> Path:
    """``src`` itself when it is a file, else the first of ``names`` inside the folder."""
    if src.is_file():
        return src
    if not src.is_dir():
        raise DatasetError(f"{src} does not exist; give the dataset's folder or file")
    for name in names:
        if (src / name).is_file():
            return src / name
    raise DatasetError(f"{src} has none of {', '.join(names)}; is this the right dataset?")


def load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DatasetError(f"cannot read {path} as JSON ({exc})") from exc


def split_localgov_entry(text: str) -> tuple[str, str]:
    """``"Question: Q\\nAnswer: A"`` → (Q, A); text without the markers is all answer.

    >>> split_localgov_entry("Question: 税金は？\\nAnswer: 窓口へ。\\n")
    ('税金は？', '窓口へ。')
    """
    question, sep, answer = text.partition("\nAnswer:")
    if not sep:
        return "", text.strip()
    return question.removeprefix("Question:").strip(), answer.strip()


def convert_localgovfaq(src: Path) -> BeirDataset:
    """LocalgovFAQ as published by mahiya/japanese-text-embedding-benchmark.

    ``src`` is the folder with ``corpus.json`` (``{id: "Question: …\\nAnswer: …"}``),
    ``queries.json`` (``{id: text}``) and ``qrels.json`` (``{qid: {doc id: grade}}``).
    The FAQ question becomes the title and the answer the text; grades are kept (2 = answers,
    1 = related).
    """
    if not src.is_dir():
        raise DatasetError(f"{src} is not a folder; give the folder with corpus.json, "
                           "queries.json and qrels.json")
    files = {name: pick_file(src, (f"{name}.json",)) for name in ("corpus", "queries", "qrels")}
    data = BeirDataset(name="localgovfaq")
    for doc_id, text in load_json(files["corpus"]).items():
        data.corpus[str(doc_id)] = split_localgov_entry(str(text))
    data.queries = {str(q): str(t) for q, t in load_json(files["queries"]).items()}
    for qid, docs in load_json(files["qrels"]).items():
        data.qrels[str(qid)] = {str(d): int(g) for d, g in docs.items()}
    return data


def convert_stackfaq(src: Path) -> BeirDataset:
    """StackFAQ (TakeLab): every (question, answer) pair of a thread is one FAQ entry.

    Each crowd-written paraphrase (``rephr``; ``"*"`` and empty ones skipped) is a query whose
    relevant entries are all pairs of its own thread, as in Karan & Šnajder (2018).
    """
    raw = load_json(pick_file(src, ("stackExchange-FAQ.json",)))
    try:
        threads = raw["root"]["qapair"]
    except (KeyError, TypeError):
        raise DatasetError("StackFAQ JSON must look like {\"root\": {\"qapair\": [...]}}") from None
    data = BeirDataset(name="stackfaq")
    for t, thread in enumerate(threads):
        answers = thread.get("answer") or []
        answers = [answers] if isinstance(answers, str) else answers
        paraphrases = thread.get("rephr") or []
        paraphrases = [paraphrases] if isinstance(paraphrases, str) else paraphrases
        ids = []
        for a, answer in enumerate(answers):
            if str(answer).strip():
                doc_id = f"t{t}-a{a}"
                data.corpus[doc_id] = (str(thread.get("question", "")).strip(), str(answer).strip())
                ids.append(doc_id)
        for r, text in enumerate(paraphrases):
            text = str(text or "").strip()
            if text and text != "*" and ids:
                qid = f"t{t}-q{r}"
                data.queries[qid] = text
                data.qrels[qid] = dict.fromkeys(ids, 1)
    return data
