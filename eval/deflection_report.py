"""``kotae eval deflection``: the precision / coverage curve, the chosen threshold, OOS recall,
and the calibration written into the KB's settings.

The threshold is the smallest whose precision reaches the target in ``level`` (default 0.9) of
200 bootstrap resamples of the queries (``eval.deflection.bounded_threshold``); ``level`` None
or 0 takes the point estimate on the queries as drawn, which falls short on new queries about
half of the time.

Example:
    >>> outcome = run_deflection_eval(Path("clinc150-beir"), Path("out"), target=0.9)
    >>> outcome.chosen["fitted"].threshold
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kotae.eval.calibrate import (
    CalibrationError,
    cross_fit_boosted,
    cross_fit_confidence,
    fit_boosted,
    fit_confidence,
    rescore,
    save_calibration,
    trees_win,
)
from kotae.eval.deflection import (
    DEFAULT_LEVEL,
    CurvePoint,
    Sample,
    auroc,
    bounded_threshold,
    choose_threshold,
    collect_samples,
    point_at,
    sweep,
)
from kotae.eval.plots import curve_png, histogram_png
from kotae.eval.report import Figure, Report, Table, write_report
from kotae.eval.runinfo import run_info
from kotae.eval.setup import EvalOptions, EvalSetup, Progress, prepare_eval
from kotae.retrieval import ConfidenceModel
from kotae.retrieval.confidence import NOT_SHIPPED, BoostedConfidence
from kotae.retrieval.protocols import Embedder
from kotae.retrieval.rerank import RankModel


@dataclass
class DeflectionOutcome:
    report: Report
    paths: dict[str, Path]
    chosen: dict[str, CurvePoint | None] = field(default_factory=dict)
    fitted: ConfidenceModel | None = None
    saved_to: Path | None = None
    shipped: ConfidenceModel | None = None  # the curve ``ship`` wrote
    boosted: BoostedConfidence | None = None  # the trees saved instead of ``fitted``


def choose(conf: list[float], samples: list[Sample], points: list[CurvePoint], target: float,
           level: float | None) -> CurvePoint | None:
    """The operating point of the chosen threshold: bootstrap-bounded at ``level``, or the
    point estimate when ``level`` is None or 0 (None when no threshold qualifies)."""
    if not level:
        return choose_threshold(points, target)
    threshold = bounded_threshold(conf, samples, target, level)
    return None if threshold is None else point_at(points, threshold)


def _summary(name: str, conf: list[float], samples: list[Sample], chosen: CurvePoint | None,
             target: float, level: float | None) -> dict[str, Any]:
    return {"model": name, "auroc": auroc(conf, samples), "target_precision": target,
            "level": level or None,
            "threshold": chosen.threshold if chosen else None,
            "precision": chosen.precision if chosen else None,
            "coverage": chosen.coverage if chosen else None,
            "oos_recall": chosen.oos_recall if chosen else None,
            "in_scope_top1": (sum(s.correct for s in samples)
                              / max(1, sum(s.in_scope for s in samples)))}


Curves = dict[str, tuple[list[float], list[CurvePoint]]]  # model -> (confidences, curve)
HELD = "fitted (cross-fitted)"  # the fitted curve, each query scored by one not fitted on it
BOOSTED = "boosted (cross-fitted)"  # the same for boosted trees (``calibrate.fit_boosted``)


def _curves(samples: list[Sample], fit: bool) -> tuple[Curves, ConfidenceModel | None, list[str]]:
    """The curve under the current confidence, and under a fitted one when ``fit``."""
    current = [s.confidence for s in samples]
    curves: Curves = {"current": (current, sweep(current, samples))}
    if not fit:
        return curves, None, []
    try:
        fitted = fit_confidence(samples)
    except CalibrationError as exc:
        return curves, None, [f"confidence curve not fitted: {exc}"]
    rescored = rescore(samples, fitted)
    curves["fitted"] = (rescored, sweep(rescored, samples))
    try:  # the fitted curve scored on its own samples flatters it; this is the honest one
        held = cross_fit_confidence(samples)
        curves[HELD] = (held, sweep(held, samples))
    except CalibrationError as exc:
        return curves, fitted, [f"no cross-fitted curve: {exc}"]
    return curves, fitted, []


def _build_report(setup: EvalSetup, options: EvalOptions, samples: list[Sample],
                  curves: Curves, chosen: dict[str, CurvePoint | None],
                  fitted: ConfidenceModel | None, target: float, level: float | None,
                  min_grade: int, notes: list[str], saved_to: Path | None) -> Report:
    summaries = {name: _summary(name, conf, samples, chosen[name], target, level)
                 for name, (conf, _) in curves.items()}
    info = run_info(setup.embedder.id)
    results = {**info, "dataset": setup.dataset_info(), "options": options.as_dict(),
               "kb_dir": str(setup.kb.kb_dir), "min_grade": min_grade, "level": level or None,
               "current_confidence": setup.searcher.confidence_model().to_dict(),
               "fitted_confidence": fitted.to_dict() if fitted else None,
               "metrics": summaries, "saved_to": str(saved_to) if saved_to else None,
               "curves": {n: [asdict(p) for p in pts] for n, (_, pts) in curves.items()},
               "per_query": {"default": {s.qid: {"correct": float(s.correct),
                                                 "confidence": s.confidence} for s in samples}}}
    report = Report(f"Deflection: {setup.data.name}", kind="deflection", results=results)
    n_oos = sum(not s.in_scope for s in samples)
    report.notes = [f"{len(samples):,} queries ({n_oos:,} out of scope); an answer is correct "
                    f"when the top hit has grade ≥ {min_grade}; target precision {target:.2f}"
                    + (f" in {level:.0%} of 200 bootstrap resamples" if level
                       else " on the queries as drawn (point estimate)"),
                    f"embedder {setup.embedder.id}; commit {info['git']['commit'] or 'none'}; "
                    f"{info['created_at']}", f"command: {info['command']}", *notes]
    cols = ["model", "auroc", "threshold", "precision", "coverage", "oos_recall", "in_scope_top1"]
    how = (f"in {level:.0%} of bootstrap resamples" if level else "on the queries as drawn")
    report.tables.append(Table(f"Operating point (smallest threshold reaching the target {how})",
                               cols, [[s[c] for c in cols] for s in summaries.values()]))
    if fitted:
        fields = {"center": fitted.center, "scale": fitted.scale, **fitted.weights}
        report.tables.append(Table("Fitted confidence curve", list(fields),
                                   [list(fields.values())]))
    report.figures.append(Figure("Precision / coverage", curve_png(
        {n: ([p.coverage for p in pts], [p.precision for p in pts])
         for n, (_, pts) in curves.items()}, "Precision vs coverage", "coverage", "precision",
        {f"{n} t={c.threshold:.2f}": (c.coverage, c.precision) for n, c in chosen.items() if c},
        hline=target)))
    current = curves["current"][0]
    outcome = {"right top hit": lambda s: s.correct,
               "wrong top hit": lambda s: s.in_scope and not s.correct,
               "out of scope": lambda s: not s.in_scope}
    groups = {name: [c for c, s in zip(current, samples, strict=True) if test(s)]
              for name, test in outcome.items()}
    report.figures.append(Figure("Confidence by outcome (current model)", histogram_png(
        groups, "Confidence by outcome", "confidence", bins=25)))
    return report


def _boosted(samples: list[Sample], fitted: ConfidenceModel, curves: Curves,
             notes: list[str]) -> BoostedConfidence | None:
    """Boosted trees fitted on all ``samples`` (``fitted`` scores what they cannot), with their
    cross-fitted curve added to ``curves``; None, with a note, when too few samples."""
    try:
        held = cross_fit_boosted(samples, fitted)
        trees = fit_boosted(samples, fitted)
    except CalibrationError as exc:
        notes.append(f"boosted confidence not fitted: {exc}")
        return None
    curves[BOOSTED] = (held, sweep(held, samples))
    return trees


def _boosted_wins(curves: Curves, chosen: dict[str, CurvePoint | None],
                  samples: list[Sample]) -> bool:
    """Whether the trees beat the curve on questions neither was fitted on
    (``calibrate.trees_win``, at the target precision)."""
    if BOOSTED not in curves or HELD not in curves:
        return False
    return trees_win(auroc(curves[BOOSTED][0], samples), auroc(curves[HELD][0], samples),
                     chosen.get(BOOSTED), chosen.get(HELD))


def ship_curve(path: Path, setup: EvalSetup, samples: list[Sample], min_grade: int,
               curves: Curves) -> tuple[ConfidenceModel, str]:
    """Fit the curve of an uncalibrated KB whose search the shipped second stage ranked
    (without the ``NOT_SHIPPED`` features: it is for other KBs), add its cross-fitted curve to
    ``curves`` and write it to ``path`` (``retrieval/rerank/default_confidence.json``).

    Fit it on a set the ranking model was *not* fitted on (a KB whose ``rerank.txt`` comes from
    other sets), so that its scores are what the shipped model gives on a new KB: scores on its
    own training queries are better than it will ever do again, and a curve fitted on them
    trusts them too much. Returns the curve and the report's note."""
    ranker = setup.searcher.reranker
    model = getattr(ranker, "model", None)
    if ranker is None or not isinstance(model, RankModel):
        raise CalibrationError("--ship needs the learned second stage (KOTAE_RERANKER=learned): "
                               "the shipped curve reads its scores")
    fitted = fit_confidence(samples, leave_out=NOT_SHIPPED)
    try:  # its honest figure: scored by curves fitted on the other folds
        held = cross_fit_confidence(samples, leave_out=NOT_SHIPPED)
        curves["shipped (cross-fitted)"] = (held, sweep(held, samples))
        unscored = ""
    except CalibrationError as exc:
        unscored = f" (no cross-fitted figure: {exc})"
    in_sample = model.fitted_on(setup.data.fingerprint)
    data = {**fitted.to_dict(), "ranker": ranker.id,
            "ranker_fitted_on": [t.get("name") for t in model.trained_on],
            "fitted_on": {"name": setup.data.name, "fingerprint": setup.data.fingerprint,
                          "queries": len(samples), "min_grade": min_grade}}
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n",
                          encoding="utf-8")
    return fitted, (f"wrote a curve without {', '.join(NOT_SHIPPED)} to {path} as the shipped "
                    f"second stage's default{unscored}"
                    + (f"; WARNING: the KB's ranking model ({ranker.id}) was "
                       "fitted on this set, so the curve trusts its scores too much"
                       if in_sample else ""))


def run_deflection_eval(dataset_dir: Path, report_dir: Path, options: EvalOptions | None = None,
                        target: float = 0.9, min_grade: int = 1, fit: bool = True,
                        save_to: Path | None = None, write: bool = True,
                        on_progress: Progress | None = None,
                        embedder: Embedder | None = None,
                        level: float | None = DEFAULT_LEVEL,
                        ship: Path | None = None) -> DeflectionOutcome:
    """Collect samples, sweep thresholds for the current and the fitted confidence, save the
    chosen calibration (the fitted one when there is one) into ``save_to`` (default: the
    evaluated KB) when ``write``; ``ship``: also fit the curve for other KBs and write it
    there (``ship_curve``). ``level``: see the module docstring."""
    if not 0 < target <= 1:
        raise ValueError(f"target precision must be in (0, 1], got {target}")
    if level and not 0.5 <= level < 1:
        raise ValueError(f"level must be in [0.5, 1) (or 0 for the point estimate), got {level}")
    options = options or EvalOptions()
    setup = prepare_eval(dataset_dir, options, on_progress=on_progress, embedder=embedder)
    samples = collect_samples(setup.data, setup.searcher, setup.kb.corpus_id, min_grade,
                              on_progress)
    curves, fitted, notes = _curves(samples, fit)
    trees = _boosted(samples, fitted, curves, notes) if fitted is not None else None
    shipped = None
    if ship is not None:
        shipped, note = ship_curve(ship, setup, samples, min_grade, curves)
        notes.append(note)
    chosen = {name: choose(conf, samples, pts, target, level)
              for name, (conf, pts) in curves.items()}
    boosted = trees if trees is not None and _boosted_wins(curves, chosen, samples) else None
    if trees is not None:
        notes.append("boosted confidence: " + (
            "beats the fitted curve on held-out questions, chosen (its threshold from its "
            "cross-fitted scores)" if boosted else "does not beat the fitted curve on "
            "held-out questions, not used"))
    # The trees' threshold comes from their cross-fitted scores: on their own samples they
    # look near perfect.
    use = chosen[BOOSTED if boosted else "fitted" if fitted is not None else "current"]
    saved_to = None
    if write and use is not None:
        saved_to = Path(save_to) if save_to else setup.kb.kb_dir
        # The curve the threshold was chosen on goes with it (the default one too: an
        # uncalibrated KB's default follows its second stage, the threshold would not).
        save_calibration(saved_to, use.threshold,
                         boosted or fitted or setup.searcher.confidence_model())
        what = "boosted" if boosted else "fitted" if fitted else "current"
        notes.append(f"wrote answer_threshold={use.threshold:.4f} ({what} confidence"
                     f"{' and its curve' if fitted else ''}"
                     f"{' and trees (confidence.txt)' if boosted else ''}) to "
                     f"{saved_to}/settings.json")
    elif write:
        notes.append(f"no threshold reaches precision {target:.2f}"
                     f"{f' in {level:.0%} of bootstrap resamples' if level else ''}; "
                     "nothing written")
    report = _build_report(setup, options, samples, curves, chosen, fitted, target, level,
                           min_grade, notes, saved_to)
    return DeflectionOutcome(report, write_report(report, report_dir), chosen, fitted, saved_to,
                             shipped, boosted)
