"""Converters for intent sets (CLINC150, BANKING77): one FAQ entry per intent.

An intent becomes a document whose title is the intent name ("card_arrival" → "card arrival")
and whose text is its first ``examples`` training utterances, one a line, the way a support
team would write an FAQ entry from the questions it keeps getting; with ``variants`` its first
``variants`` utterances are also the entry's variants (other phrasings of its question, which
train the question router). Test utterances are the
queries; an utterance of CLINC150's ``oos`` label has no qrels, i.e. it is out of scope.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from kotae.eval.beir import BeirDataset
from kotae.eval.convert_faq import load_json, pick_file
from kotae.eval.errors import DatasetError

DEFAULT_EXAMPLES = 10
OUT_OF_SCOPE = "oos"


def intent_title(intent: str) -> str:
    """>>> intent_title("card_arrival")
    'card arrival'
    """
    return intent.replace("_", " ").strip()


def build_intent_dataset(name: str, train: Iterable[tuple[str, str]],
                         test: Iterable[tuple[str, str]], examples: int,
                         variants: int = 0) -> BeirDataset:
    """One document per intent from ``train`` (text, intent) pairs; ``test`` pairs as queries."""
    if examples < 1:
        raise ValueError(f"examples per intent must be at least 1, got {examples}")
    if variants < 0:
        raise ValueError(f"variants per intent must not be negative, got {variants}")
    by_intent: dict[str, list[str]] = {}
    for text, intent in train:
        if intent != OUT_OF_SCOPE and text.strip():
            by_intent.setdefault(intent, []).append(text.strip())
    data = BeirDataset(name=name)
    for intent, texts in by_intent.items():
        data.corpus[intent] = (intent_title(intent), "\n".join(texts[:examples]))
        if variants:
            data.variants[intent] = texts[:variants]
    for n, (text, intent) in enumerate(test):
        qid = f"q{n}"
        data.queries[qid] = text.strip()
        if intent != OUT_OF_SCOPE:
            if intent not in by_intent:
                raise DatasetError(f"test intent {intent!r} has no training utterances")
            data.qrels[qid] = {intent: 1}
    return data


def _pairs(raw: object, key: str) -> list[tuple[str, str]]:
    if not isinstance(raw, dict) or not isinstance(raw.get(key), list):
        raise DatasetError(f"CLINC150 JSON has no list {key!r}; use data_full.json")
    return [(str(text), str(intent)) for text, intent in raw[key]]


def convert_clinc150(src: Path, examples: int = DEFAULT_EXAMPLES) -> BeirDataset:
    """CLINC150 ``data_full.json``: in-scope ``test`` plus ``oos_test`` queries."""
    raw = load_json(pick_file(src, ("data_full.json",)))
    test = _pairs(raw, "test") + _pairs(raw, "oos_test")
    return build_intent_dataset("clinc150", _pairs(raw, "train"), test, examples)


def _read_banking(path: Path) -> list[tuple[str, str]]:
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"cannot read {path} as CSV ({exc})") from exc
    if rows and not {"text", "category"} <= set(rows[0]):
        raise DatasetError(f"{path} needs the columns text,category")
    return [(r["text"], r["category"]) for r in rows]


def convert_banking77(src: Path, examples: int = DEFAULT_EXAMPLES) -> BeirDataset:
    """BANKING77: the folder with ``train.csv`` and ``test.csv`` (columns ``text,category``)."""
    if not src.is_dir():
        raise DatasetError(f"{src} is not a folder; give the folder with train.csv and test.csv")
    train = _read_banking(pick_file(src, ("train.csv",)))
    test = _read_banking(pick_file(src, ("test.csv",)))
    return build_intent_dataset("banking77", train, test, examples)
