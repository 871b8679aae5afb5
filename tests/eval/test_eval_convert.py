"""Each converter on a tiny fixture written here in the dataset's original format."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest

from kotae.eval import convert, read_beir
from kotae.eval.errors import DatasetError, UnknownDataset


def _json(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_localgovfaq(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _json(src / "corpus.json", {
        "0": "Question: 住民票はどこで取れますか？\nAnswer: 市役所の窓口です。\n",
        "1": "Question: ごみの日は？\nAnswer: 地区ごとに決まっています。"})
    _json(src / "queries.json", {"0": "住民票が欲しい", "1": "燃えるごみ"})
    _json(src / "qrels.json", {"0": {"0": 2}, "1": {"1": 1, "0": 1}})
    data = convert("localgovfaq", src, tmp_path / "out")
    assert data.corpus["0"] == ("住民票はどこで取れますか？", "市役所の窓口です。")
    assert data.qrels == {"0": {"0": 2}, "1": {"1": 1, "0": 1}}
    assert data.queries["1"] == "燃えるごみ"
    assert read_beir(tmp_path / "out").fingerprint == data.fingerprint


def test_jsquad(tmp_path: Path) -> None:
    src = _json(tmp_path / "valid-v1.3.json", {"data": [{"title": "梅雨", "paragraphs": [
        {"context": "梅雨 [SEP] 梅雨は東アジアの気象現象である。",
         "qas": [{"id": "a1p0q0", "question": "梅雨とは何か", "answers": [],
                  "is_impossible": False},
                 {"id": "a1p0q1", "question": "梅雨はどこで見られる", "answers": []}]},
        {"context": "梅雨 [SEP] 北海道には梅雨がない。",
         "qas": [{"id": "a1p1q0", "question": "梅雨がない地域は", "answers": []}]}]}]})
    data = convert("jsquad", src, tmp_path / "out")
    assert data.corpus == {"a0p0": ("梅雨", "梅雨は東アジアの気象現象である。"),
                           "a0p1": ("梅雨", "北海道には梅雨がない。")}
    assert data.qrels["a1p0q1"] == {"a0p0": 1} and data.qrels["a1p1q0"] == {"a0p1": 1}


def test_stackfaq_skips_placeholder_paraphrases(tmp_path: Path) -> None:
    _json(tmp_path / "src" / "stackExchange-FAQ.json", {"root": {"qapair": [
        {"question": "Strikethrough on GitHub", "answer": ["Use ~~x~~.", "Use <del>."],
         "rephr": ["How to strike text on github", "*", ""]},
        {"question": "Dark mode", "answer": "Settings > Theme.", "rephr": ["night theme?"]}]}})
    data = convert("stackfaq", tmp_path / "src", tmp_path / "out")
    assert len(data.corpus) == 3
    assert data.corpus["t0-a1"] == ("Strikethrough on GitHub", "Use <del>.")
    assert list(data.queries.values()) == ["How to strike text on github", "night theme?"]
    assert data.qrels["t0-q0"] == {"t0-a0": 1, "t0-a1": 1}


def test_epqa_grades_and_out_of_scope(tmp_path: Path) -> None:
    path = tmp_path / "ePQA_dev.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["qid", "question", "ASIN", "candidate", "source", "qa_pair_id", "title",
                         "label", "answer"])
        writer.writerows([
            ["1", "will it fit?", "B1", "fits model X", "cqa", "10", "Drawer", "2", "Yes"],
            ["1", "will it fit?", "B1", "nice colour", "review", "11", "Drawer", "0", ""],
            ["2", "is it loud?", "B2", "great value", "review", "12", "Fan", "0", ""]])
    data = convert("epqa", path, tmp_path / "out")
    assert data.corpus["c10"] == ("Drawer", "fits model X")
    assert data.qrels == {"q1": {"c10": 2}}
    assert data.out_of_scope_queries() == {"q2": "is it loud?"}


def test_clinc150_builds_one_entry_per_intent(tmp_path: Path) -> None:
    _json(tmp_path / "data_full.json", {
        "train": [["how do i say hi in french", "translate"], ["translate cat", "translate"],
                  ["what's my balance", "balance"], ["tell me a joke", "oos"]],
        "test": [["say hello in german", "translate"], ["balance please", "balance"]],
        "oos_test": [["what is the dow at", "oos"]], "val": [], "oos_val": [], "oos_train": []})
    data = convert("clinc150", tmp_path, tmp_path / "out", examples=1)
    assert data.corpus == {"translate": ("translate", "how do i say hi in french"),
                           "balance": ("balance", "what's my balance")}
    assert data.qrels == {"q0": {"translate": 1}, "q1": {"balance": 1}}
    assert read_beir(tmp_path / "out").out_of_scope_queries() == {"q2": "what is the dow at"}


def test_banking77(tmp_path: Path) -> None:
    for name, rows in {"train.csv": [("Where is my card?", "card_arrival"),
                                     ("Card not here yet", "card_arrival"),
                                     ("I lost my card", "lost_or_stolen_card")],
                       "test.csv": [("card still missing", "card_arrival")]}.items():
        with open(tmp_path / name, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["text", "category"])
            writer.writerows(rows)
    data = convert("banking77", tmp_path, tmp_path / "out")
    assert data.corpus["card_arrival"] == ("card arrival", "Where is my card?\nCard not here yet")
    assert data.qrels == {"q0": {"card_arrival": 1}}


def test_unknown_name_lists_the_allowed_ones(tmp_path: Path) -> None:
    with pytest.raises(UnknownDataset, match="allowed: banking77, clinc150, epqa"):
        convert("msmarco", tmp_path, tmp_path / "out")


def test_wrong_folder_says_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="stackExchange-FAQ.json"):
        convert("stackfaq", tmp_path, tmp_path / "out")
