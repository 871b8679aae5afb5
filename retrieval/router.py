"""The question router: which FAQ entry a question asks about, learned from how customers ask.

An FAQ entry may list other ways customers ask the same thing (the FAQ sheet's ``variants``
column: 「パスワードを忘れた」「ログインできない」…). At build, kotae fits a multinomial logistic
regression (scikit-learn) from the embeddings of each entry's question and variants to the
entry; at query time it is one matrix product on the query embedding the dense arm computes
anyway. It is a third retrieval arm, fused with BM25 and dense, and its probability of the top
hit's entry is a confidence feature. The router also keeps the phrasings' embeddings: the
query's cosine to the nearest phrasing of the top hit's entry is a second feature, the one
that best tells questions no entry answers from the rest (CLINC150 validation, AUROC 0.97).
A query and an FAQ question are both questions, so a classifier over many phrasings
separates entries that one embedding per passage blurs (CLINC150 validation,
docs/benchmarks.md: the right entry first for 0.88 of in-scope queries by nearest phrasing,
0.95 by the router).

Visibility holds here as in the other arms: entries the caller may not read are masked out
before the softmax, so a public search is routed among public entries only.

Example:
    >>> router = QuestionRouter.fit(["a", "a", "b"], vectors)
    >>> router.probabilities(query_vector, allowed=np.array([True, True]))
    >>> router.nearest(query_vector)  # best cosine to a phrasing of each entry
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kotae.retrieval.errors import IndexCorrupt

ROUTER_FILE = "router.npz"
# Weak regularisation: chosen on CLINC150's validation split (C = 1: 0.92 right, 10: 0.95).
REGULARISATION_C = 10.0


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


@dataclass(frozen=True)
class QuestionRouter:
    """``doc_ids[i]`` is class i; ``weights`` (classes × dim) and ``bias`` its linear model;
    ``phrasings`` the unit embeddings it was fitted on, grouped by class (``starts[i]`` is
    class i's first row). A router saved without phrasings has none (``nearest`` is 0)."""

    doc_ids: tuple[str, ...]
    weights: np.ndarray
    bias: np.ndarray
    phrasings: np.ndarray | None = None
    starts: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.doc_ids)
        if self.weights.ndim != 2 or self.weights.shape[0] != n or self.bias.shape != (n,):
            raise ValueError(f"router shapes do not match: {n} classes, weights "
                             f"{self.weights.shape}, bias {self.bias.shape}")
        if (self.phrasings is None) != (self.starts is None):
            raise ValueError("router phrasings and their class starts come together")
        if self.phrasings is not None and self.starts is not None and not (
                self.phrasings.ndim == 2 and self.phrasings.shape[1] == self.weights.shape[1]
                and self.starts.shape == (n,) and n and self.starts[0] == 0
                and np.all(np.diff(self.starts) > 0) and self.starts[-1] < len(self.phrasings)):
            raise ValueError(f"router phrasings do not match: {n} classes, phrasings "
                             f"{self.phrasings.shape}, starts {self.starts.shape}")

    @classmethod
    def fit(cls, labels: Sequence[str], vectors: np.ndarray,
            c: float = REGULARISATION_C) -> QuestionRouter | None:
        """Fit on (entry id, embedding of one of its phrasings) pairs; None with fewer than two
        entries (nothing to choose between)."""
        if len(labels) != len(vectors):
            raise ValueError(f"{len(labels)} labels for {len(vectors)} vectors")
        classes = sorted(set(labels))
        if len(classes) < 2:
            return None
        from sklearn.linear_model import LogisticRegression

        index = {doc: i for i, doc in enumerate(classes)}
        targets = np.array([index[doc] for doc in labels])
        with warnings.catch_warnings():  # many entries with one phrasing each is expected
            warnings.filterwarnings("ignore", "The number of unique classes", UserWarning)
            fit = LogisticRegression(C=c, max_iter=300).fit(
                np.asarray(vectors, dtype=np.float32), targets)
        if len(classes) == 2:  # sklearn keeps one row for two classes: p(b) = σ(w·x + b)
            weights = np.vstack([-fit.coef_[0] / 2, fit.coef_[0] / 2])
            bias = np.array([-fit.intercept_[0] / 2, fit.intercept_[0] / 2])
        else:
            weights, bias = fit.coef_, fit.intercept_
        order = np.argsort(targets, kind="stable")
        starts = np.searchsorted(targets[order], np.arange(len(classes)))
        return cls(tuple(classes), weights.astype(np.float32), bias.astype(np.float32),
                   _unit(np.asarray(vectors)[order]), starts.astype(np.int64))

    def __len__(self) -> int:
        return len(self.doc_ids)

    def probabilities(self, query: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
        """P(entry | query) for every class; classes not ``allowed`` get exactly 0 and the
        others share all the probability."""
        logits = self.weights @ np.asarray(query, dtype=np.float32) + self.bias
        if allowed is not None:
            if not allowed.any():
                return np.zeros(len(self), dtype=np.float32)
            logits = np.where(allowed, logits, -np.inf)
        logits = logits - logits.max()
        exp = np.exp(logits)
        return (exp / exp.sum()).astype(np.float32)

    def nearest(self, query: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
        """Each class's best cosine between ``query`` and one of its phrasings (0 for classes
        not ``allowed``, and for all without phrasings). One matrix product over the
        phrasings: a millisecond for 15,000 of them."""
        out = np.zeros(len(self), dtype=np.float32)
        if self.phrasings is None or self.starts is None:
            return out
        q = np.asarray(query, dtype=np.float32)
        sims = self.phrasings @ (q / max(float(np.linalg.norm(q)), 1e-12))
        out[:] = np.maximum.reduceat(sims, self.starts)
        if allowed is not None:
            out[~allowed] = 0.0
        return out

    def save(self, path: Path) -> None:
        arrays: dict[str, Any] = {"doc_ids": np.array(self.doc_ids, dtype=str),
                                  "weights": self.weights, "bias": self.bias}
        if self.phrasings is not None and self.starts is not None:
            arrays |= {"phrasings": self.phrasings, "starts": self.starts}
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)

    @classmethod
    def load(cls, path: Path) -> QuestionRouter:
        try:
            with np.load(path, allow_pickle=False) as data:
                has = "phrasings" in data.files
                return cls(tuple(str(d) for d in data["doc_ids"]), data["weights"],
                           data["bias"], data["phrasings"] if has else None,
                           data["starts"] if has else None)
        except (OSError, ValueError, KeyError) as exc:
            raise IndexCorrupt(path, str(exc).splitlines()[0][:200]) from exc
