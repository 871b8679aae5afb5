"""Retrieval tuning that belongs to a KB (``settings.json`` in the KB directory).

The eval harness writes calibrated values here (confidence curve, answer threshold; a boosted
calibration's trees beside it, ``confidence.BOOSTED_FILE``); defaults apply when the file or a
key is absent.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from kotae.retrieval.confidence import (
    BoostedConfidence,
    BoostedConfidenceError,
    ConfidenceModel,
)
from kotae.retrieval.fusion import FUSIONS

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"
DEFAULT_WEIGHTS = {"bm25": 0.5, "dense": 0.5, "router": 1.0, "reading": 0.1, "synonym": 0.1}


@dataclass(frozen=True)
class RetrievalConfig:
    fusion: str = "convex"
    # Measured on LocalgovFAQ (docs/benchmarks.md): convex 0.5/0.5 beat 0.4/0.6 and RRF. The
    # question router (only in KBs whose FAQ entries have variants; its probability is added as
    # it is) at 1.0, chosen on CLINC150's validation queries (docs/benchmarks.md). The reading
    # arm (BM25 over n-grams of how the text is read) chosen on halves of LocalgovFAQ and
    # JSQuAD and of their perturbed copies (docs/benchmarks.md, 表記ゆれ). The synonym arm (BM25
    # over Sudachi's synonym groups) chosen on the even-position halves of LocalgovFAQ, JSQuAD
    # and StackFAQ, with the second stage refitted at each weight (docs/benchmarks.md). A
    # settings file that names some weights keeps the defaults of the others.
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    rrf_k: int = 60
    depth: int = 50  # candidates taken from each arm before fusion
    # The KB's calibrated curve, or trees with it (``kotae eval deflection``); None: never
    # calibrated, the default for the search's stages applies
    # (``retrieval.confidence.default_confidence``).
    confidence: ConfidenceModel | BoostedConfidence | None = None
    answer_threshold: float = 0.5  # confidence at which kotae answers on its own

    def __post_init__(self) -> None:
        # An arm the settings file does not name (one added after it was written) keeps its
        # default weight, not fusion's 1.0.
        object.__setattr__(self, "weights", {**DEFAULT_WEIGHTS, **self.weights})
        if self.fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {self.fusion!r}; allowed: {', '.join(FUSIONS)}")
        if self.depth < 1:
            raise ValueError(f"depth must be at least 1, got {self.depth}")
        if not 0.0 <= self.answer_threshold <= 1.0:
            raise ValueError(f"answer_threshold must be in [0, 1], got {self.answer_threshold}")

    def as_dict(self) -> dict[str, Any]:
        """The settings file's ``retrieval`` section, every value."""
        # Field by field: ``asdict`` would deep-copy a boosted calibration's trees.
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {**values, "weights": dict(self.weights),
                "confidence": self.confidence.to_dict() if self.confidence else None}

    @classmethod
    def load(cls, kb_dir: str | Path) -> RetrievalConfig:
        path = Path(kb_dir) / SETTINGS_FILE
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except ValueError as exc:
            raise ValueError(f"{path} is not valid JSON ({exc})") from exc
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.get("retrieval", {}).items() if k in known}
        if kwargs.get("confidence") is not None:
            saved = kwargs["confidence"]
            kwargs["confidence"] = ConfidenceModel.from_dict(saved)
            if saved.get("boosted"):
                from kotae.retrieval.rerank.features import FEATURES as RANK_FEATURES

                try:
                    kwargs["confidence"] = BoostedConfidence.load(
                        kb_dir, kwargs["confidence"], tuple(RANK_FEATURES))
                except BoostedConfidenceError as exc:  # the curve still serves, said once
                    log.warning("%s", exc)
        elif "answer_threshold" in kwargs:
            # A threshold saved without its curve was chosen on the hand-set one (before a
            # curve shipped with the second stage, `--no-fit` calibrations saved it alone).
            kwargs["confidence"] = ConfidenceModel()
        return cls(**kwargs)

    def save(self, kb_dir: str | Path) -> None:
        """Write the values that differ from the defaults into the KB's settings file (so a
        calibrated KB still follows later changes of the other defaults), keeping the file's
        other sections."""
        path = Path(kb_dir) / SETTINGS_FILE
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        mine, defaults = self.as_dict(), RetrievalConfig().as_dict()
        data["retrieval"] = {k: v for k, v in mine.items() if v != defaults[k]}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(path)
