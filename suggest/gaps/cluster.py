"""Group questions by meaning: clustering of unit vectors by cosine distance (pure functions).

``agglomerative`` (the default) joins questions while the average cosine distance between two
groups stays under ``distance_threshold``: no number of clusters to guess, and a question
unlike any other stays alone instead of being forced into a group. ``hdbscan`` finds dense
groups and leaves the rest as noise (it ignores the distance threshold).

Example:
    >>> labels = cluster_vectors(vectors, distance_threshold=0.12)
    >>> groups = clusters_of(labels, min_size=3)
    >>> [central_order(vectors, g)[0] for g in groups]  # the most central question of each
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

METHODS = ("agglomerative", "hdbscan")
DEFAULT_DISTANCE = 0.6  # average cosine distance between groups, after centering
MIN_BACKGROUND = 5  # background rows a language needs to have its own mean
CROSS_LINGUAL_DISCOUNT = 0.8  # chosen on the sample KB's Japanese/English questions


def check_clustering(method: str, distance_threshold: float, min_size: int) -> None:
    """Raise ``ValueError`` naming the bad setting."""
    if method not in METHODS:
        raise ValueError(f"unknown clustering method {method!r}; allowed: {', '.join(METHODS)}")
    if not 0.0 < distance_threshold < 2.0:
        raise ValueError(f"distance threshold must be in (0, 2), got {distance_threshold}")
    if min_size < 1:
        raise ValueError(f"min size must be at least 1, got {min_size}")


def center_by_language(vectors: np.ndarray, languages: Sequence[str], background: np.ndarray,
                       background_languages: Sequence[str],
                       min_background: int = MIN_BACKGROUND) -> np.ndarray:
    """Unit vectors minus the mean vector of their language, renormalised.

    Sentence embeddings share a large common direction (every support question about invoices
    is "close" to every other: cosines of 0.8–0.95 for unrelated questions), and each language
    adds its own; removing the per-language mean of a background set (the KB's titles and
    questions) spreads the cosines out and lets a Japanese and an English question about the
    same thing meet (Mu & Viswanath 2018, "All-but-the-top"; Libovický et al. 2020, "On the
    language neutrality of pre-trained multilingual representations"). A language with fewer
    than ``min_background`` background rows uses the mean of the whole background.

    >>> v = np.array([[1.0, 0.1], [1.0, -0.1]]) / np.hypot(1.0, 0.1)
    >>> centered = center_by_language(v, ["ja", "ja"], v, ["ja", "ja"], min_background=1)
    >>> np.round(centered @ [0, 1], 2).tolist()
    [1.0, -1.0]
    """
    if len(background) == 0:
        return vectors
    langs = np.asarray(list(background_languages))
    overall = background.mean(axis=0)
    means: dict[str, np.ndarray] = {}
    rows = []
    for vector, language in zip(vectors, languages, strict=True):
        if language not in means:
            own = background[langs == language]
            means[language] = own.mean(axis=0) if len(own) >= min_background else overall
        rows.append(vector - means[language])
    if not rows:
        return vectors
    centered = np.stack(rows)
    return centered / np.maximum(np.linalg.norm(centered, axis=1, keepdims=True), 1e-12)


def distance_matrix(vectors: np.ndarray, languages: Sequence[str] | None = None,
                    cross_lingual: float = CROSS_LINGUAL_DISCOUNT) -> np.ndarray:
    """Cosine distances; a pair in two languages counts ``cross_lingual`` times its distance.

    Multilingual-e5 puts a question and its translation further apart than two paraphrases
    in one language (centered cosines around 0.3 against 0.5), so without the discount the
    English question about a topic never joins the Japanese ones.

    >>> v = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> distance_matrix(v, ["ja", "en"], cross_lingual=0.8)[0, 1].round(2)
    np.float64(0.8)
    """
    distances = np.clip(1.0 - vectors @ vectors.T, 0.0, 2.0).astype(np.float64)
    if languages is not None and len(set(languages)) > 1:
        langs = np.asarray(list(languages))
        distances[langs[:, None] != langs[None, :]] *= cross_lingual
    np.fill_diagonal(distances, 0.0)
    return distances


def cluster_vectors(vectors: np.ndarray, distance_threshold: float = DEFAULT_DISTANCE,
                    method: str = "agglomerative", min_size: int = 2,
                    languages: Sequence[str] | None = None) -> np.ndarray:
    """A cluster label per row of ``vectors`` (unit rows); -1 marks HDBSCAN's noise.

    ``languages`` (one per row) makes pairs in two languages closer (``distance_matrix``).
    """
    check_clustering(method, distance_threshold, min_size)
    n = len(vectors)
    if n < 2:
        return np.zeros(n, dtype=np.int64)
    distances = distance_matrix(vectors, languages)
    if method == "hdbscan":
        from sklearn.cluster import HDBSCAN

        # No cluster_selection_epsilon: dense groups are found at any scale (and scikit-learn
        # 1.9's epsilon search fails on some inputs).
        model = HDBSCAN(metric="precomputed", min_cluster_size=max(min_size, 2), copy=True)
        return np.asarray(model.fit_predict(distances), dtype=np.int64)
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                    distance_threshold=distance_threshold)
    return np.asarray(model.fit_predict(distances), dtype=np.int64)


def clusters_of(labels: np.ndarray, min_size: int = 1) -> list[list[int]]:
    """Row indices per cluster with at least ``min_size`` rows, largest first (noise dropped).

    >>> clusters_of(np.array([0, 1, 0, 2, 0, 1, -1]), min_size=2)
    [[0, 2, 4], [1, 5]]
    """
    groups: dict[int, list[int]] = {}
    for row, label in enumerate(labels.tolist()):
        if label >= 0:
            groups.setdefault(label, []).append(row)
    kept = [g for g in groups.values() if len(g) >= min_size]
    return sorted(kept, key=lambda g: (-len(g), g[0]))


def central_order(vectors: np.ndarray, members: list[int]) -> list[int]:
    """``members`` from the most central (highest mean cosine to the others) to the least.

    >>> v = np.array([[1.0, 0.0], [0.8, 0.6], [0.6, 0.8]])
    >>> central_order(v, [0, 1, 2])
    [1, 2, 0]
    """
    if len(members) <= 2:
        return list(members)
    sub = vectors[members]
    mean_sim = (sub @ sub.T).sum(axis=1)
    order = np.argsort(-mean_sim, kind="stable")
    return [members[i] for i in order.tolist()]
