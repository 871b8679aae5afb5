"""The BEIR layout: round trip, fingerprints, out-of-scope queries, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from kotae.eval import BeirDataset, read_beir, write_beir
from kotae.eval.errors import DatasetError


def test_round_trip_keeps_grades_and_out_of_scope(tiny_beir: Path) -> None:
    data = read_beir(tiny_beir)
    assert data.corpus["pw"][0] == "パスワードを忘れました"
    assert data.qrels["q2"] == {"inv": 2}
    assert set(data.judged_queries()) == {"q1", "q2", "q3"}
    assert data.out_of_scope_queries() == {"q4": "今日の天気はどうですか"}
    assert '"out_of_scope": true' in (tiny_beir / "queries.jsonl").read_text(encoding="utf-8")


def test_fingerprints_follow_the_files(tiny_beir: Path, tmp_path: Path) -> None:
    data = read_beir(tiny_beir)
    data.queries["q5"] = "新しい質問"
    changed = read_beir(write_beir(data, tmp_path / "changed"))
    assert changed.fingerprint != data.fingerprint
    assert changed.corpus_fingerprint == data.corpus_fingerprint  # the KB can be reused


def test_missing_file_says_how_to_get_it(tmp_path: Path) -> None:
    write_beir(BeirDataset(corpus={"d": ("t", "x")}, queries={"q": "x"}), tmp_path)
    (tmp_path / "qrels" / "test.tsv").unlink()
    with pytest.raises(DatasetError, match=r"qrels/test.tsv not found.*kotae eval convert"):
        read_beir(tmp_path)


def test_bad_line_is_named(tmp_path: Path) -> None:
    write_beir(BeirDataset(corpus={"d": ("t", "x")}, queries={"q": "x"}), tmp_path)
    with open(tmp_path / "corpus.jsonl", "a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    with pytest.raises(DatasetError, match=r"corpus.jsonl:2 is not valid JSON"):
        read_beir(tmp_path)
