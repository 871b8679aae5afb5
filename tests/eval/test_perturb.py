"""``kotae eval perturb``: the same questions typed other ways, corpus and qrels untouched."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from kotae.eval import read_beir, write_beir
from kotae.eval.beir import BeirDataset
from kotae.eval.perturb import KINDS, Perturber, kana_neighbours, perturb_beir, to_halfwidth
from kotae.models.kana import fold_kana


@pytest.fixture
def beir(tmp_path: Path) -> Path:
    data = BeirDataset(corpus={"d1": ("パスワードの再設定", "ログイン画面から申し込みます。")},
                       queries={"q1": "パスワードを忘れた", "q2": "住民票の取り方",
                                "q3": "申し込みが終わらない"},
                       qrels={"q1": {"d1": 2}, "q2": {"d1": 1}, "q3": {"d1": 1}})
    return write_beir(data, tmp_path / "clean")


@pytest.mark.parametrize(("kind", "query", "expected"), [
    ("hiragana-katakana", "パスワードを忘れた", "ぱすわーどを忘れた"),
    ("hiragana", "住民票の取り方", "じゅうみんひょうのとりかた"),
    ("halfwidth", "パスワードを忘れた", "ﾊﾟｽﾜｰﾄﾞを忘れた"),
])
def test_each_kind_writes_the_query_another_way(kind: str, query: str, expected: str) -> None:
    assert Perturber(kind)("q", query) == expected


def test_okurigana_changes_one_word_to_an_accepted_spelling() -> None:
    seen = {Perturber("okurigana", seed)("q", "申し込みが終わらない") for seed in range(20)}
    assert seen <= {"申込みが終わらない", "申込が終わらない", "申し込みが終らない"}
    assert len(seen) >= 2
    assert Perturber("okurigana")("q", "考えるのが好き") == "考えるのが好き"  # no other spelling


def test_a_typo_is_one_deletion_or_one_neighbouring_kana() -> None:
    for seed in range(30):
        typed = Perturber("typo", seed)("q", "パスワードを忘れた")
        if len(typed) == len("パスワードを忘れた") - 1:
            continue
        changed = [(a, b) for a, b in zip("パスワードを忘れた", typed, strict=True) if a != b]
        assert len(changed) == 1 and changed[0][1] in kana_neighbours(changed[0][0]), typed


def test_neighbouring_kana_on_the_12_key_pad() -> None:
    assert sorted(kana_neighbours("か")) == sorted("きくけこあさな")
    assert "ゼ" in kana_neighbours("ゲ")  # a voiced katakana stays voiced katakana
    assert kana_neighbours("漢") == []


def test_halfwidth_folds_back_under_nfkc() -> None:
    text = "ガイド・パスワード・ヴォーカル"
    assert unicodedata.normalize("NFKC", to_halfwidth(text)) == text
    assert fold_kana(to_halfwidth(text)) == fold_kana(text)


@pytest.mark.parametrize("kind", KINDS)
def test_the_copy_keeps_corpus_and_qrels(beir: Path, tmp_path: Path, kind: str) -> None:
    out = tmp_path / kind
    stats = perturb_beir(beir, kind, out, seed=3)
    clean, copy = read_beir(beir), read_beir(out)
    assert copy.corpus_fingerprint == clean.corpus_fingerprint  # the same KB serves both
    assert copy.qrels == clean.qrels and copy.queries.keys() == clean.queries.keys()
    assert stats.changed == sum(copy.queries[q] != clean.queries[q] for q in clean.queries)
    assert json.loads((out / "perturb.json").read_text())["kind"] == kind
    perturb_beir(beir, kind, tmp_path / "again", seed=3)
    assert read_beir(tmp_path / "again").queries == copy.queries  # seeded: the same files


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="allowed"):
        Perturber("romaji")


def test_a_sample_keeps_the_same_queries_for_every_kind(beir: Path, tmp_path: Path) -> None:
    clean = perturb_beir(beir, "none", tmp_path / "none", seed=1, sample=2)
    typo = perturb_beir(beir, "typo", tmp_path / "typo", seed=1, sample=2)
    assert clean.queries == typo.queries == 2 and clean.changed == 0
    kept = read_beir(tmp_path / "none")
    assert kept.queries.keys() == read_beir(tmp_path / "typo").queries.keys()
    assert kept.qrels.keys() == kept.queries.keys()
