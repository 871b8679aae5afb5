"""`kotae eval ...` on the command line: good runs, and bad input as exit 2 with a message."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kotae.app.cli import app
from kotae.app.cli.eval import eval_app

runner = CliRunner()


def _text(result) -> str:
    """The output with rich's box drawing and line wrapping taken out."""
    return " ".join(result.output.replace("│", " ").split())


def test_eval_is_mounted_in_the_main_cli() -> None:
    result = runner.invoke(app, ["eval", "--help"])
    assert result.exit_code == 0
    for command in ("retrieval", "convert", "deflection", "latency", "ingest", "compare"):
        assert command in _text(result)


def test_unknown_dataset_lists_the_allowed_ones(tmp_path: Path) -> None:
    result = runner.invoke(eval_app, ["convert", "msmarco", str(tmp_path), str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "banking77, clinc150, epqa, jsquad, localgovfaq, stackfaq" in _text(result)


def test_convert_from_a_wrong_folder_is_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(eval_app, ["convert", "jsquad", str(tmp_path), str(tmp_path / "o")])
    assert result.exit_code == 2 and "valid-v1.3.json" in _text(result)
    assert "Traceback" not in _text(result)


def test_convert_writes_the_beir_layout(tmp_path: Path) -> None:
    src = tmp_path / "data_full.json"
    src.write_text(json.dumps({"train": [["hi there", "greet"]], "test": [["hello", "greet"]],
                               "oos_test": [["weather?", "oos"]]}))
    result = runner.invoke(eval_app, ["convert", "CLINC150", str(src), str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "1 judged and 1 out-of-scope" in _text(result)
    assert (tmp_path / "out" / "qrels" / "test.tsv").is_file()


def test_missing_corpus_is_exit_2(tmp_path: Path) -> None:
    for command in ("retrieval", "deflection"):
        result = runner.invoke(eval_app, [command, "--beir", str(tmp_path)])
        assert result.exit_code == 2, command
        assert "corpus.jsonl not found" in _text(result)


def test_unknown_mode_is_exit_2(tiny_beir: Path) -> None:
    result = runner.invoke(eval_app, ["retrieval", "--beir", str(tiny_beir), "--mode", "splade"])
    allowed = "allowed: default, hybrid, bm25, dense, reading, synonym, all"
    assert result.exit_code == 2 and allowed in _text(result)


def test_compare_exit_code_and_worse_queries(tmp_path: Path) -> None:
    def results(name: str, ndcg: float, q2: float) -> Path:
        path = tmp_path / name / "results.json"
        path.parent.mkdir()
        path.write_text(json.dumps({"kind": "retrieval", "metrics": {"hybrid": {"ndcg@10": ndcg}},
                                    "per_query": {"hybrid": {"q1": {"ndcg@10": 1.0},
                                                             "q2": {"ndcg@10": q2}}}}))
        return path

    a, b = results("a", 0.9, 0.8), results("b", 0.6, 0.2)
    result = runner.invoke(eval_app, ["compare", str(a), str(b), "--max-drop", "0.05"])
    assert result.exit_code == 1
    assert "1 queries got worse" in _text(result) and "q2: 0.8000 → 0.2000" in _text(result)
    assert runner.invoke(eval_app, ["compare", str(a), str(a), "--max-drop", "0"]).exit_code == 0
    bad = runner.invoke(eval_app, ["compare", str(a), str(tmp_path / "none.json")])
    assert bad.exit_code == 2 and "not found" in _text(bad)
