"""Charts of the gap report as PNG data URIs (matplotlib, headless, loaded on first use).

Japanese labels need a CJK font: the first of ``CJK_FONTS`` that is installed is used, with
matplotlib's per-glyph fallback to DejaVu Sans for the rest.

Example:
    >>> uris = report_charts(report)
    >>> sorted(uris)   # and 'learning' when phrasings were learnt in the period
    ['gap_volume', 'rates', 'top_gaps']
"""

from __future__ import annotations

import base64
import io
import logging
from typing import Any

from kotae.suggest.gaps.label import shorten
from kotae.suggest.gaps.report import GapReport, LearningEffect

CJK_FONTS = ["Noto Sans CJK JP", "IPAexGothic", "IPAGothic", "Hiragino Sans", "Yu Gothic",
             "TakaoPGothic", "DejaVu Sans"]
TOP_GAPS = 10


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    import matplotlib.pyplot as plt

    return plt


def _integer_ticks() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def _data_uri(fig: Any) -> str:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=96)
    _pyplot().close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _week_ticks(ax: Any, weeks: list[str]) -> None:
    step = max(1, len(weeks) // 12)
    ax.set_xticks(range(0, len(weeks), step))
    ax.set_xticklabels([w[5:] for w in weeks[::step]], rotation=45, ha="right", fontsize=8)


def gap_volume_chart(report: GapReport) -> str:
    """Unanswered questions per week, the top three gaps stacked on the rest."""
    plt = _pyplot()
    weeks = [w.week for w in report.weeks]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    bottom = [0] * len(weeks)
    for gap in report.gaps[:3]:
        counts = [gap.weekly.get(w, 0) for w in weeks]
        ax.bar(range(len(weeks)), counts, bottom=bottom, label=shorten(gap.label, 20))
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    rest = [max(w.gap_questions - b, 0) for w, b in zip(report.weeks, bottom, strict=True)]
    ax.bar(range(len(weeks)), rest, bottom=bottom, color="#c8ccd2", label="その他 (other)")
    ax.set_title("未回答の質問数（週ごと） unanswered questions per week")
    ax.yaxis.set_major_locator(_integer_ticks())
    _week_ticks(ax, weeks)
    if weeks:
        ax.legend(fontsize=8)
    return _data_uri(fig)


def top_gaps_chart(report: GapReport, k: int = TOP_GAPS) -> str:
    """The ``k`` best-ranked gaps by their number of questions."""
    plt = _pyplot()
    gaps = report.gaps[:k][::-1]
    fig, ax = plt.subplots(figsize=(7, 0.45 * max(len(gaps), 2) + 1.2))
    ax.barh([shorten(g.label, 28) for g in gaps], [g.size for g in gaps], color="#3b6fb6")
    ax.set_title("上位のギャップ top gaps (質問数 questions)")
    ax.xaxis.set_major_locator(_integer_ticks())
    ax.tick_params(axis="y", labelsize=9)
    return _data_uri(fig)


def rates_chart(report: GapReport) -> str:
    """Deflection rate and "did this help" rate per week, and the phrasings learnt each week
    (bars, right axis): what learning changed is the rates before and after them."""
    plt = _pyplot()
    weeks = [w.week for w in report.weeks]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    if any(w.learnt for w in report.weeks):
        bars = ax.twinx()
        bars.bar(range(len(weeks)), [w.learnt for w in report.weeks], color="#c8d6e5",
                 label="学習した言い回し learnt phrasings", zorder=0)
        bars.yaxis.set_major_locator(_integer_ticks())
        bars.legend(fontsize=8, loc="lower right")
        ax.set_zorder(bars.get_zorder() + 1)
        ax.patch.set_visible(False)
    for name, values in (("自己解決率 deflection", [w.deflection_rate for w in report.weeks]),
                         ("「はい」率 helpful", [w.helpful_rate for w in report.weeks])):
        points = [(i, v) for i, v in enumerate(values) if v is not None]
        ax.plot([i for i, _ in points], [v for _, v in points], marker="o", label=name)
    ax.set_ylim(0, 1.02)
    ax.set_title("週ごとの自己解決率と「役に立った」率 weekly rates")
    _week_ticks(ax, weeks)
    ax.legend(fontsize=8)
    return _data_uri(fig)


def learning_chart(effect: LearningEffect) -> str:
    """The deflection and helpful rates of the weeks before and after phrasings were learnt,
    side by side, each bar labelled with its rate and how many questions or votes it is of."""
    from matplotlib.ticker import PercentFormatter

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.2))
    sides = ((f"前 {effect.before_weeks} 週 before", effect.before, "#9aa5b1"),
             (f"後 {effect.after_weeks} 週 after", effect.after, "#3b6fb6"))
    for n, (label, row, color) in enumerate(sides):
        rates = [(row.deflection_rate, row.questions) if row else (None, 0),
                 (row.helpful_rate, row.votes) if row else (None, 0)]
        xs = [i + (n - 0.5) * 0.38 for i in range(len(rates))]
        bars = ax.bar(xs, [r or 0.0 for r, _ in rates], width=0.36, color=color, label=label)
        for bar, (rate, count) in zip(bars, rates, strict=True):
            ax.annotate("–" if rate is None else f"{rate:.0%}\n(n={count})",
                        (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(2), ["自己解決率 deflection", "「はい」率 helpful"])
    ax.set_ylim(0, 1.25)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(f"学習の前後 before / after learning ({effect.week} の週に "
                 f"{effect.learnt} 件)")
    ax.legend(fontsize=8, loc="upper right")
    return _data_uri(fig)


def report_charts(report: GapReport) -> dict[str, str]:
    """Every chart of the report: name → ``data:image/png;base64,…`` (``learning`` only when
    phrasings were learnt in the report's period)."""
    import matplotlib

    with matplotlib.rc_context({"font.family": CJK_FONTS, "axes.unicode_minus": False}):
        charts = {"gap_volume": gap_volume_chart(report), "top_gaps": top_gaps_chart(report),
                  "rates": rates_chart(report)}
        if report.learning is not None:
            charts["learning"] = learning_chart(report.learning)
        return charts
