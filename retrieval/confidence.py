"""Confidence that the top hit answers the query: a logistic curve over a few search features.

``z = (top cosine − center) · scale + agreement_bonus · [BM25 and dense agree]
+ margin_weight · cosine margin + fused_margin_weight · fused margin + share_weight · top share
+ router_weight · router probability + phrasing_weight · (phrasing cosine − top cosine)``
and confidence ``= 1 / (1 + e^−z)``. ``center`` is the cosine at which confidence is 0.5 when
the other terms are 0, ``scale`` how fast it rises. The margins say how far the top document
is ahead of the runner-up, the share how many of the nearest chunks belong to it, the router
probability how sure the question router (``retrieval.router``) is of it, the phrasing cosine
how close the query is to a known way of asking for it (see ``ConfidenceFeatures``). The
phrasing cosine enters as its lift over the top cosine: the two move together, so a fit on
both as they are can give the top cosine a negative slope, which ``center``/``scale`` cannot
express; the lift spans the same linear model. All are KB settings that the eval harness
calibrates on labelled queries; the defaults suit multilingual-e5-small and leave the newer
terms out (weight 0), so a KB calibrated before they existed keeps its confidence.

Example:
    >>> model = ConfidenceModel(center=0.85, scale=26.0, agreement_bonus=2.6, margin_weight=40.0)
    >>> round(model(0.86, arms_agree=True, cosine_margin=0.03), 3)
    0.983
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

SHARE_K = 10  # the top share counts the dense arm's best SHARE_K chunks


@dataclass(frozen=True, slots=True)
class ConfidenceFeatures:
    """What the confidence is computed from, for one search.

    ``cosine_margin``: the top hit's cosine minus the best cosine of any other document;
    ``fused_margin``: the top hit's fused score minus the best fused score of another document
    (both 0 when no other document was found); ``top_share``: the share of the dense arm's best
    ``SHARE_K`` chunks that belong to the top hit's document; ``router_prob``: the question
    router's probability of the top hit's entry (0 without a router, or for a hit it does not
    route to); ``phrasing_cosine``: the query's cosine to the nearest phrasing (question or
    variant) of the top hit's entry (None without a router, or when the entry has none).
    """

    top_cosine: float | None
    arms_agree: bool = False
    cosine_margin: float = 0.0
    fused_margin: float = 0.0
    top_share: float = 0.0
    router_prob: float = 0.0
    phrasing_cosine: float | None = None


def _runner_up(ranked: Sequence[tuple[str, float]], top_doc: str) -> float | None:
    return next((score for doc, score in ranked if doc != top_doc), None)


def confidence_features(top_doc: str, top_cosine: float | None,
                        fused: Sequence[tuple[str, float]], dense: Sequence[tuple[str, float]],
                        bm25_top: str | None,
                        routed: dict[str, float] | None = None,
                        phrasing_cosine: float | None = None) -> ConfidenceFeatures:
    """The features of one search from its ranked chunk lists, best first.

    ``fused`` and ``dense`` are (document id, score) per chunk, before hits are collapsed or cut
    to ``k`` (the confidence must not depend on how many hits the caller asked for);
    ``bm25_top`` is the BM25 arm's best document (None in dense-only mode: no agreement);
    ``routed`` the router's probabilities by document (None: the KB has no router);
    ``phrasing_cosine`` the top document's (``retrieval.router.QuestionRouter.nearest``).

    >>> f = confidence_features("a", 0.9, [("a", 1.0), ("b", 0.6)],
    ...                         [("a", 0.9), ("a", 0.88), ("b", 0.85)], bm25_top="a")
    >>> f.arms_agree, round(f.cosine_margin, 2), round(f.fused_margin, 2), f.top_share
    (True, 0.05, 0.4, 0.2)
    """
    agree = bool(dense) and bm25_top == dense[0][0] == top_doc
    other_cosine = _runner_up(dense, top_doc)
    cosine_margin = (top_cosine - other_cosine
                     if top_cosine is not None and other_cosine is not None else 0.0)
    other_fused = _runner_up(fused, top_doc)
    fused_margin = fused[0][1] - other_fused if fused and other_fused is not None else 0.0
    share = sum(doc == top_doc for doc, _ in dense[:SHARE_K]) / SHARE_K
    router_prob = (routed or {}).get(top_doc, 0.0)
    return ConfidenceFeatures(top_cosine, agree, cosine_margin, fused_margin, share, router_prob,
                              phrasing_cosine)


def phrasing_lift(top_cosine: float | None, phrasing_cosine: float | None) -> float:
    """The nearest phrasing's cosine minus the top hit's cosine (0 when either is missing)."""
    if top_cosine is None or phrasing_cosine is None:
        return 0.0
    return phrasing_cosine - top_cosine


@dataclass(frozen=True, slots=True)
class ConfidenceModel:
    """The calibrated curve (saved in the KB's ``settings.json`` under ``retrieval.confidence``;
    a saved model without the newer weights loads with them at 0)."""

    center: float = 0.86
    scale: float = 40.0
    # Both arms agreeing on the top document is evidence too.
    agreement_bonus: float = 0.5
    margin_weight: float = 0.0
    fused_margin_weight: float = 0.0
    share_weight: float = 0.0
    router_weight: float = 0.0
    phrasing_weight: float = 0.0

    def __post_init__(self) -> None:
        if self.scale <= 0:
            raise ValueError(f"confidence scale must be positive, got {self.scale}")

    def __call__(self, top_cosine: float | None, arms_agree: bool, cosine_margin: float = 0.0,
                 fused_margin: float = 0.0, top_share: float = 0.0,
                 router_prob: float = 0.0, phrasing_cosine: float | None = None) -> float:
        if top_cosine is None:
            return 0.0
        z = ((top_cosine - self.center) * self.scale
             + (self.agreement_bonus if arms_agree else 0.0)
             + self.margin_weight * cosine_margin + self.fused_margin_weight * fused_margin
             + self.share_weight * top_share + self.router_weight * router_prob
             + self.phrasing_weight * phrasing_lift(top_cosine, phrasing_cosine))
        # exp overflows past |z| ≈ 709; the curve is flat there anyway.
        return 1.0 / (1.0 + math.exp(-max(-500.0, min(500.0, z))))

    def score(self, features: ConfidenceFeatures) -> float:
        """The confidence of one search's features."""
        return self(features.top_cosine, features.arms_agree, features.cosine_margin,
                    features.fused_margin, features.top_share, features.router_prob,
                    features.phrasing_cosine)
