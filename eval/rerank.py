"""Fitting the second stage, honestly: candidates from the real searcher, LightGBM lambdarank,
and no model ever scored on the queries it was fitted on.

``collect`` runs the first stage exactly as ``Searcher.search`` does and keeps, per judged
query, the second stage's candidates, their features (``retrieval.rerank.FEATURES``) and their
grades. ``fit`` trains a small, regularised lambdarank model with monotone constraints (more
evidence never lowers a score: a model fitted on some corpora must not learn their quirks).
``cross_fit`` scores each query with a model fitted on the other folds (plus any other
datasets), ``transfer`` with one fitted on other datasets only.

Example:
    >>> data = collect(setup.searcher, setup.data, setup.kb.corpus_id)
    >>> metrics(data, cross_fit(data, SHIPPED))["ndcg@10"]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kotae.eval.beir import BeirDataset
from kotae.eval.metrics import evaluate_run
from kotae.kb import Audience
from kotae.retrieval import Searcher
from kotae.retrieval.filters import SearchFilter
from kotae.retrieval.rerank import FEATURES, candidate_features

Progress = Callable[[str, int, int], None]
METRICS = ("ndcg@10", "hit@1", "recall@10", "mrr@10")
FOLDS, SEED = 5, 7
# Small trees, strong regularisation: a few hundred queries per fit.
PARAMS: dict[str, Any] = dict(
    objective="lambdarank", n_estimators=300, learning_rate=0.05, num_leaves=7,
    min_child_samples=20, subsample=0.8, subsample_freq=1, colsample_bytree=0.8,
    reg_lambda=1.0, label_gain=[0, 1, 3], lambdarank_truncation_level=20, verbose=-1,
    n_jobs=1, random_state=SEED, monotone_constraints_method="advanced")


@dataclass
class RankData:
    """The second stage's view of a query set: one row per (query, candidate)."""

    name: str
    X: np.ndarray  # (rows, len(FEATURES))
    label: np.ndarray  # 2 answers, 1 related, 0 not judged relevant
    query: np.ndarray  # the row's query index (a query's rows are contiguous, first-stage order)
    qids: list[str]
    docs: list[str]  # the row's document, as the qrels name it
    qrels: dict[str, dict[str, int]]

    @property
    def queries(self) -> int:
        return len(self.qids)

    def subset(self, keep: np.ndarray) -> RankData:
        """The rows of the queries ``keep`` (indices), renumbered."""
        rows = np.isin(self.query, keep)
        renumber = np.full(self.queries, -1)
        renumber[keep] = np.arange(len(keep))
        qids = [self.qids[i] for i in keep]
        return RankData(self.name, self.X[rows], self.label[rows], renumber[self.query[rows]],
                        qids, [d for d, r in zip(self.docs, rows, strict=True) if r],
                        {q: self.qrels[q] for q in qids})


def collect(searcher: Searcher, data: BeirDataset, to_corpus: Callable[[str], str],
            on_progress: Progress | None = None, router: bool = True,
            filters: SearchFilter | None = None) -> RankData:
    """Every judged query's candidates, features and grades (``searcher.candidates``, as an
    agent searches, narrowed by ``filters``; ``router`` False leaves the question router out,
    for queries it was trained on)."""
    queries = data.judged_queries()
    top = max((g for q in queries for g in data.qrels[q].values()), default=1)
    scale = 1 if top >= 2 else 2  # a set with one grade: its relevant documents answer
    X, label, query, qids, docs = [], [], [], [], []
    for n, (qid, text) in enumerate(queries.items()):
        found = searcher.candidates(text, audience=Audience.AGENT, router=router,
                                    filters=filters)
        if not found.items:
            continue
        names = [to_corpus(c.doc_id) for c in found.items]
        X.append(candidate_features(found.query, found.items, found.table))
        label += [min(2, scale * data.qrels[qid].get(d, 0)) for d in names]
        query += [len(qids)] * len(names)
        qids.append(qid)
        docs += names
        if on_progress and ((n + 1) % 20 == 0 or n + 1 == len(queries)):
            on_progress(f"candidates ({data.name})", n + 1, len(queries))
    return RankData(data.name, np.concatenate(X) if X else np.empty((0, len(FEATURES))),
                    np.asarray(label, dtype=np.int64), np.asarray(query, dtype=np.int64),
                    qids, docs, {q: data.qrels[q] for q in qids})


def fit(parts: Sequence[RankData], features: Sequence[str]) -> Any:
    """A lambdarank model of ``features`` fitted on all rows of ``parts``."""
    import lightgbm as lgb

    columns = [list(FEATURES).index(f) for f in features]
    X = np.concatenate([p.X[:, columns] for p in parts])
    y = np.concatenate([p.label for p in parts])
    groups = np.concatenate([np.bincount(p.query, minlength=p.queries) for p in parts])
    model = lgb.LGBMRanker(**PARAMS, monotone_constraints=[FEATURES[f] for f in features])
    return model.fit(X, y, group=groups[groups > 0]).booster_


def score(booster: Any, data: RankData, features: Sequence[str]) -> np.ndarray:
    columns = [list(FEATURES).index(f) for f in features]
    return np.asarray(booster.predict(data.X[:, columns], num_threads=1), dtype=np.float64)


def metrics(data: RankData, scores: np.ndarray | None = None) -> dict[str, float]:
    """Ranking metrics of ``scores`` (None: the first stage's order)."""
    if scores is None:
        scores = -np.arange(len(data.docs), dtype=np.float64)  # rows are in first-stage order
    run: dict[str, dict[str, float]] = {}
    for row, (q, doc) in enumerate(zip(data.query.tolist(), data.docs, strict=True)):
        run.setdefault(data.qids[q], {}).setdefault(doc, float(scores[row]))
    return evaluate_run(data.qrels, run, METRICS).mean


def cross_fit(data: RankData, features: Sequence[str], extra: Sequence[RankData] = (),
              folds: int = FOLDS) -> np.ndarray:
    """Each query scored by a model fitted on the other folds of ``data`` (and ``extra``)."""
    order = np.random.default_rng(SEED).permutation(data.queries)
    out = np.zeros(len(data.label), dtype=np.float64)
    for fold in np.array_split(order, folds):
        train = data.subset(np.setdiff1d(order, fold))
        held = np.isin(data.query, fold)
        booster = fit([train, *extra], features)
        out[held] = score(booster, data.subset(np.sort(fold)), features)
    return out
