"""The question router: which FAQ entry a question asks about, learned from how customers ask.

An FAQ entry may list other ways customers ask the same thing (the FAQ sheet's ``variants``
column: 「パスワードを忘れた」「ログインできない」…). At build, kotae fits a multinomial logistic
regression (scikit-learn) from the embeddings of each entry's question and variants to the
entry; at query time it is one matrix product on the query embedding the dense arm computes
anyway. It is a third retrieval arm, fused with BM25 and dense, and its probability of the top
hit's entry is a confidence feature. A query and an FAQ question are both questions, so a
classifier over many phrasings separates entries that one embedding per passage blurs
(CLINC150 validation, docs/benchmarks.md: the right entry first for 0.88 of in-scope queries
by nearest phrasing, 0.95 by the router).

Visibility holds here as in the other arms: entries the caller may not read are masked out
before the softmax, so a public search is routed among public entries only.

Example:
    >>> router = QuestionRouter.fit(["a", "a", "b"], vectors)
    >>> router.probabilities(query_vector, allowed=np.array([True, True]))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.errors import IndexCorrupt

ROUTER_FILE = "router.npz"
# Weak regularisation: chosen on CLINC150's validation split (C = 1: 0.92 right, 10: 0.95).
REGULARISATION_C = 10.0


@dataclass(frozen=True)
class QuestionRouter:
    """``doc_ids[i]`` is class i; ``weights`` (classes × dim) and ``bias`` its linear model."""

    doc_ids: tuple[str, ...]
    weights: np.ndarray
    bias: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.doc_ids)
        if self.weights.ndim != 2 or self.weights.shape[0] != n or self.bias.shape != (n,):
            raise ValueError(f"router shapes do not match: {n} classes, weights "
                             f"{self.weights.shape}, bias {self.bias.shape}")

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
        fit = LogisticRegression(C=c, max_iter=300).fit(
            np.asarray(vectors, dtype=np.float32), [index[doc] for doc in labels])
        if len(classes) == 2:  # sklearn keeps one row for two classes: p(b) = σ(w·x + b)
            weights = np.vstack([-fit.coef_[0] / 2, fit.coef_[0] / 2])
            bias = np.array([-fit.intercept_[0] / 2, fit.intercept_[0] / 2])
        else:
            weights, bias = fit.coef_, fit.intercept_
        return cls(tuple(classes), weights.astype(np.float32), bias.astype(np.float32))

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

    def save(self, path: Path) -> None:
        with open(path, "wb") as fh:
            np.savez(fh, doc_ids=np.array(self.doc_ids, dtype=str), weights=self.weights,
                     bias=self.bias)

    @classmethod
    def load(cls, path: Path) -> QuestionRouter:
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls(tuple(str(d) for d in data["doc_ids"]), data["weights"],
                           data["bias"])
        except (OSError, ValueError, KeyError) as exc:
            raise IndexCorrupt(path, str(exc).splitlines()[0][:200]) from exc
