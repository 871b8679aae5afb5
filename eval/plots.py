"""Plots for the HTML report, as PNG bytes (matplotlib, headless Agg backend)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=100)
    _pyplot().close(fig)
    return buf.getvalue()


def histogram_png(groups: Mapping[str, Sequence[float]], title: str, xlabel: str,
                  bins: int = 20, log_y: bool = False) -> bytes:
    """Overlaid histograms, one per group (e.g. per-query nDCG@10 per mode)."""
    import numpy as np

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    every = [float(v) for values in groups.values() for v in values]
    edges = np.histogram_bin_edges(every, bins=bins) if every else bins  # shared by all groups
    for name, values in groups.items():
        if len(values):
            ax.hist(list(values), bins=edges, alpha=0.5, label=f"{name} (n={len(values)})")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    if log_y:
        ax.set_yscale("log")
    ax.legend()
    return _png(fig)


def curve_png(series: Mapping[str, tuple[Sequence[float], Sequence[float]]], title: str,
              xlabel: str, ylabel: str,
              points: Mapping[str, tuple[float, float]] | None = None,
              hline: float | None = None) -> bytes:
    """Line plots of (x, y) series, with optional marked points and a horizontal guide."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, (xs, ys) in series.items():
        ax.plot(list(xs), list(ys), label=name)
    for i, (name, (x, y)) in enumerate((points or {}).items()):
        ax.scatter([x], [y], zorder=3)
        # Stagger the labels: operating points are often close together.
        ax.annotate(name, (x, y), textcoords="offset points", xytext=(5, -14 - 12 * i),
                    fontsize=8)
    if hline is not None:
        ax.axhline(hline, linestyle="--", linewidth=0.8, color="grey")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1.02)
    ax.legend()
    return _png(fig)
