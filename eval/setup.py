"""What every dataset-driven eval does first: read the dataset, build or reuse its KB, open a
searcher with the retrieval settings under test.

Example:
    >>> setup = prepare_eval(Path("localgovfaq-beir"), EvalOptions(fusion="rrf"))
    >>> setup.searcher.search("住民票", audience=Audience.AGENT, k=10)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kotae.eval.beir import BeirDataset, read_beir
from kotae.eval.corpus_kb import CorpusKB, default_kb_dir, prepare_kb, query_vector_file
from kotae.eval.embedders import MeteredEmbedder, QueryVectorFile
from kotae.kb.settings import KBSettings
from kotae.knowledge_base import open_kb
from kotae.retrieval import FUSIONS, RetrievalConfig, Searcher
from kotae.retrieval.protocols import Embedder

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class EvalOptions:
    """The knobs an eval run may turn without changing the product's defaults."""

    kb_dir: Path | None = None  # None: a cache folder derived from the corpus fingerprint
    sudachi_mode: str | None = None  # A, B or C
    fusion: str | None = None  # convex or rrf
    bm25_weight: float | None = None  # dense gets 1 - bm25_weight
    split: str = "test"

    def __post_init__(self) -> None:
        if self.fusion is not None and self.fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {self.fusion!r}; allowed: {', '.join(FUSIONS)}")
        if self.sudachi_mode is not None and self.sudachi_mode not in ("A", "B", "C"):
            raise ValueError(f"unknown Sudachi split mode {self.sudachi_mode!r}; "
                             "allowed: A, B, C")
        if self.bm25_weight is not None and not 0.0 <= self.bm25_weight <= 1.0:
            raise ValueError(f"bm25 weight must be in [0, 1], got {self.bm25_weight}")

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v)
                for k, v in dataclasses.asdict(self).items()}


@dataclass
class EvalSetup:
    data: BeirDataset
    dataset_dir: Path
    kb: CorpusKB
    searcher: Searcher
    embedder: MeteredEmbedder
    settings: KBSettings
    config: RetrievalConfig

    def dataset_info(self) -> dict[str, Any]:
        return {"name": self.data.name, "path": str(self.dataset_dir),
                "fingerprint": self.data.fingerprint,
                "corpus_fingerprint": self.data.corpus_fingerprint,
                "documents": len(self.data.corpus), "queries": len(self.data.queries),
                "judged_queries": len(self.data.judged_queries()),
                "out_of_scope_queries": len(self.data.out_of_scope_queries())}


def retrieval_config(kb_dir: Path, options: EvalOptions) -> RetrievalConfig:
    """The KB's retrieval settings with the options' overrides applied (nothing is saved)."""
    config = RetrievalConfig.load(kb_dir)
    changes: dict[str, Any] = {}
    if options.fusion is not None:
        changes["fusion"] = options.fusion
    if options.bm25_weight is not None:
        # the router's, the reading arm's and the synonym arm's weights are kept
        changes["weights"] = {**config.weights, "bm25": options.bm25_weight,
                              "dense": 1.0 - options.bm25_weight}
    return dataclasses.replace(config, **changes) if changes else config


def prepare_eval(dataset_dir: Path, options: EvalOptions | None = None,
                 settings: KBSettings | None = None, on_progress: Progress | None = None,
                 embedder: Embedder | None = None) -> EvalSetup:
    """Read ``dataset_dir`` (BEIR layout), ingest its corpus (cached) and open a searcher.

    ``embedder`` defaults to the one the settings name (e5-small).
    """
    options = options or EvalOptions()
    data = read_beir(dataset_dir, options.split)
    settings = settings or KBSettings()
    if options.sudachi_mode is not None:
        settings = settings.model_copy(update={"sudachi_mode": options.sudachi_mode})
    kb_dir = Path(options.kb_dir) if options.kb_dir else default_kb_dir(data)
    settings = settings.model_copy(update={"home": kb_dir})
    metered = MeteredEmbedder(embedder or open_kb(settings).embedder,
                              saved=QueryVectorFile(query_vector_file(kb_dir)))
    corpus = prepare_kb(data, kb_dir, settings, metered, on_progress)
    config = retrieval_config(kb_dir, options)
    # The same factory as the server, with the options' overrides for this run only.
    searcher = open_kb(settings, embedder=metered, retrieval=config).searcher
    searcher.warm_up()
    return EvalSetup(data, Path(dataset_dir), corpus, searcher, metered, settings, config)
