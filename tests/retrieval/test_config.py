"""A KB's retrieval settings: arms a settings file does not name keep their defaults."""

from __future__ import annotations

import json
from pathlib import Path

from kotae.retrieval import RetrievalConfig
from kotae.retrieval.config import DEFAULT_WEIGHTS


def test_a_settings_file_from_before_an_arm_keeps_the_arms_default(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text(json.dumps(
        {"retrieval": {"weights": {"bm25": 0.6, "dense": 0.4, "router": 1.0}}}))
    config = RetrievalConfig.load(tmp_path)
    assert config.weights == {**DEFAULT_WEIGHTS, "bm25": 0.6, "dense": 0.4}
    assert config.weights["reading"] == DEFAULT_WEIGHTS["reading"]  # not fusion's 1.0


def test_defaults_are_not_written_back(tmp_path: Path) -> None:
    RetrievalConfig().save(tmp_path)
    assert json.loads((tmp_path / "settings.json").read_text())["retrieval"] == {}
