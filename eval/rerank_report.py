"""``kotae eval rerank``: fit the second stage on labelled questions, score it honestly, and
save it where it will serve.

The labelled questions come from BEIR folders (``--beir``, one or more) or, without any, from
the KB's own FAQ variants and approved learnt phrasings (each is a question whose answer is
its entry or article). For every
query set the report gives, side by side, on the same queries:

- ``first stage``: the fused arms' order (what ``hybrid`` returns);
- ``shipped``: the model kotae ships (flagged *in-sample* when that set was among its training
  data: those figures are not evidence);
- ``refit (cross-fitted)``: each query scored by a model fitted on the other four fifths of its
  set plus the other sets (never on itself), once with the shipped features and once with all
  of them (the documents' lengths too);
- ``transfer``: with two or more sets, a model fitted on the *other* sets only.

Then the refit (fitted on every query given, with the feature set that cross-fitted better on
the first set) is written to the first set's KB as ``rerank.txt`` (it serves instead of the
shipped model) when the first set has at least ``MIN_QUERIES`` usable queries and its
cross-fitted nDCG@10 beats the shipped model's on those queries, together with the KB's
confidence fitted again for its scores on the same queries (cross-fitted scores): its curve
at the threshold 0.5, or, with enough questions, boosted trees when they beat the curve on
held-out ones (``refit_confidence``, the rule of ``kotae eval deflection``); unless that
confidence tells right top hits from wrong ones worse than the shipped model and its curve do
there (cross-fitted AUROC); otherwise nothing is written and the notes say why. ``ship`` writes
the refit with the shipped features to a path instead (how
``retrieval/rerank/default_ranker.txt`` is made).

Example:
    >>> outcome = run_rerank_eval([Path("jsquad-beir"), Path("stackfaq-beir")], Path("out"))
    >>> outcome.report.results["metrics"]["jsquad"]["refit (cross-fitted)"]["ndcg@10"]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kotae.eval.beir import BeirDataset
from kotae.eval.calibrate import (
    CalibrationError,
    clear_calibration,
    cross_fit_boosted,
    cross_fit_confidence,
    fit_boosted,
    fit_confidence,
    samples_from_ranking,
    save_calibration,
    trees_win,
)
from kotae.eval.deflection import (
    CurvePoint,
    Sample,
    auroc,
    choose_threshold,
    point_at,
    sweep,
)
from kotae.eval.errors import DatasetError
from kotae.eval.report import Report, Table, write_report
from kotae.eval.rerank import METRICS, RankData, collect, cross_fit, fit, metrics, score
from kotae.eval.runinfo import run_info
from kotae.eval.setup import EvalOptions, Progress, prepare_eval
from kotae.kb import Kind, stable_hash
from kotae.kb.settings import KBSettings
from kotae.knowledge_base import open_kb
from kotae.retrieval import ConfidenceModel, RetrievalConfig
from kotae.retrieval.confidence import KB_SHAPED, BoostedConfidence, shipped_curve
from kotae.retrieval.filters import SearchFilter
from kotae.retrieval.rerank import FEATURES, SHIPPED, RankModel, RankModelError
from kotae.retrieval.rerank.model import DEFAULT_MODEL, KB_MODEL, save_model

MIN_QUERIES = 50  # labelled questions below which a refit is not even tried
FEATURE_SETS = {"shipped features": list(SHIPPED), "all features": list(FEATURES)}
# What a refit's confidence curve does not read: the KB-shaped features (as the shipped
# curve), and the refit's raw score: lambdarank scores mean something only relative to the
# same model's other scores, and the curve is fitted on scores of five fold models while the
# saved refit is a sixth (its margin over the runner-up is comparable across them).
REFIT_LEFT_OUT = (*KB_SHAPED, "rerank_score")


@dataclass
class QuerySet:
    """One source of labelled questions, collected through its KB's searcher."""

    data: RankData
    kb_dir: Path
    fingerprint: str
    source: str

    @property
    def name(self) -> str:
        return self.data.name

    def card(self) -> dict[str, Any]:
        return {"name": self.name, "fingerprint": self.fingerprint, "queries": self.data.queries}


@dataclass
class RerankOutcome:
    report: Report
    paths: dict[str, Path]
    metrics: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    saved_to: Path | None = None


def variants_dataset(kb_dir: Path, settings: KBSettings) -> BeirDataset:
    """The KB's FAQ variants and its approved phrasings learnt from use (``kotae learn``) as a
    query set: each asks for its own entry or article."""
    kb = open_kb(settings.model_copy(update={"home": kb_dir}))
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    docs = {doc.id: doc for _, doc in kb.store.iter_chunks_with_documents()}
    for doc in docs.values():
        if doc.kind is not Kind.FAQ:
            continue
        for i, text in enumerate(doc.meta.get("variants", [])):
            qid = f"{doc.id}#{i}"
            if qid not in queries:
                queries[qid], qrels[qid] = str(text), {doc.id: 1}
    for n, (doc_id, text) in enumerate(kb.phrasings.approved()):
        if doc_id in docs and docs[doc_id].kind is not Kind.TICKET:
            queries[f"{doc_id}#learnt{n}"], qrels[f"{doc_id}#learnt{n}"] = text, {doc_id: 1}
    name = f"{kb_dir.name or 'kb'} variants"
    fingerprint = stable_hash("\n".join(f"{q}\t{t}" for q, t in sorted(queries.items())),
                              length=16)
    return BeirDataset(queries=queries, qrels=qrels, name=name, fingerprint=fingerprint,
                       corpus_fingerprint=fingerprint)


def collect_sets(datasets: list[Path], kb_dir: Path | None, options: EvalOptions,
                 on_progress: Progress | None) -> list[QuerySet]:
    """Each BEIR folder's queries through its KB (the first one in ``kb_dir`` when given), or
    the KB's variants when there is no folder."""
    if not datasets:
        if kb_dir is None:
            raise ValueError("give --beir (one or more) or --kb with FAQ variants or learnt "
                             "phrasings")
        settings = KBSettings(home=kb_dir)
        data = variants_dataset(kb_dir, settings)
        searcher = open_kb(settings).searcher
        searcher.warm_up()
        # The router learnt the variants: they are found without it, as new questions are.
        # A learnt phrasing is a past ticket's wording, and that ticket is in the KB: it would
        # come first for its own words, so tickets (never a phrasing's answer) are left out.
        found = collect(searcher, data, lambda d: d, on_progress, router=False,
                        filters=SearchFilter(kinds=frozenset(Kind) - {Kind.TICKET}))
        return [QuerySet(found, kb_dir, data.fingerprint, "FAQ variants and learnt phrasings")]
    out = []
    for n, folder in enumerate(datasets):
        setup = prepare_eval(folder, EvalOptions(kb_dir=kb_dir if n == 0 else None,
                                                 split=options.split), on_progress=on_progress)
        found = collect(setup.searcher, setup.data, setup.kb.corpus_id, on_progress)
        out.append(QuerySet(found, setup.kb.kb_dir, setup.data.fingerprint, str(folder)))
    return out


def evaluate_sets(sets: list[QuerySet]) -> tuple[dict[str, dict[str, dict[str, float]]],
                                                   dict[str, str]]:
    """Per set: the first stage, the shipped model, the cross-fitted refits and the transfer.
    Returns the metrics and, per set, the feature set whose refit cross-fitted best."""
    shipped: RankModel | None = RankModel(DEFAULT_MODEL)
    try:
        shipped.warm_up()  # type: ignore[union-attr]
    except RankModelError:  # none shipped yet (``--ship`` makes the first)
        shipped = None
    out: dict[str, dict[str, dict[str, float]]] = {}
    best: dict[str, str] = {}
    for i, qs in enumerate(sets):
        others = [s.data for j, s in enumerate(sets) if j != i]
        rows = {"first stage": metrics(qs.data)}
        if shipped is not None:
            label = "shipped (in-sample)" if shipped.fitted_on(qs.fingerprint) else "shipped"
            rows[label] = metrics(qs.data, shipped.score(qs.data.X))
        for name, features in FEATURE_SETS.items():
            rows[f"refit, {name} (cross-fitted)"] = metrics(
                qs.data, cross_fit(qs.data, features, extra=others))
        if others:
            booster = fit(others, list(SHIPPED))
            rows["transfer, shipped features"] = metrics(
                qs.data, score(booster, qs.data, list(SHIPPED)))
        best[qs.name] = max(FEATURE_SETS, key=lambda n: rows[
            f"refit, {n} (cross-fitted)"]["ndcg@10"])
        out[qs.name] = rows
    return out, best


def run_rerank_eval(datasets: list[Path], report_dir: Path, kb_dir: Path | None = None,
                    options: EvalOptions | None = None, write: bool = True,
                    ship: Path | None = None, min_queries: int = MIN_QUERIES,
                    on_progress: Progress | None = None) -> RerankOutcome:
    """Collect, evaluate, and save the refit where it should serve (module docstring)."""
    options = options or EvalOptions()
    sets = collect_sets(datasets, kb_dir, options, on_progress)
    first = sets[0]
    notes: list[str] = []
    if first.data.queries < min_queries:
        raise DatasetError(
            f"{first.name}: {first.data.queries} labelled question(s) with candidates; a refit "
            f"needs at least {min_queries} (add FAQ variants, approve learnt phrasings, or pass "
            "a judged query set with --beir). The shipped model keeps serving.")
    table, best = evaluate_sets(sets)
    chosen = best[first.name]
    rows = table[first.name]
    refit_ndcg = rows[f"refit, {chosen} (cross-fitted)"]["ndcg@10"]
    shipped_ndcg = next((v["ndcg@10"] for k, v in rows.items() if k.startswith("shipped")),
                        rows["first stage"]["ndcg@10"])
    saved_to: Path | None = None
    cards = [s.card() for s in sets]
    if ship is not None:
        save_model(fit([s.data for s in sets], list(SHIPPED)), list(SHIPPED), ship, cards)
        notes.append(f"wrote the model fitted on every query given (shipped features) to {ship}")
    elif write and refit_ndcg > shipped_ndcg:
        # Its scores are on a scale of their own: the KB's confidence curve is fitted again
        # for them, and the refit is kept only if that confidence tells right top hits from
        # wrong ones at least as well as the shipped model and its curve do on these questions.
        held_out = cross_fit(first.data, FEATURE_SETS[chosen],
                             extra=[s.data for s in sets[1:]])
        samples = samples_from_ranking(first.data, held_out)
        baseline = shipped_auroc(first.data)
        try:
            curve, held = (fit_confidence(samples, leave_out=REFIT_LEFT_OUT),
                           cross_fit_confidence(samples, leave_out=REFIT_LEFT_OUT))
        except CalibrationError as exc:
            curve, held, why = None, [], str(exc)
        # The confidence that would serve with the refit: its curve, or trees that beat it.
        confidence, threshold, scores, how = (refit_confidence(samples, curve, held)
                                              if curve is not None else (None, 0.0, [], ""))
        auc = auroc(scores, samples) if confidence is not None else None
        if auc is not None and baseline is not None and auc < baseline:
            notes.append(f"nothing written: the refit ranks better (cross-fitted nDCG@10 "
                         f"{refit_ndcg:.4f} vs shipped {shipped_ndcg:.4f}) but its confidence "
                         f"({how}), fitted on the same questions, tells right top hits from "
                         f"wrong ones worse (cross-fitted AUROC {auc:.3f} vs the shipped model "
                         f"and curve's {baseline:.3f})")
        else:
            saved_to = first.kb_dir / KB_MODEL
            save_model(fit([s.data for s in sets], FEATURE_SETS[chosen]), FEATURE_SETS[chosen],
                       saved_to, cards)
            notes.append(f"wrote the refit ({chosen}) to {saved_to}: it serves instead of the "
                         f"shipped model (cross-fitted nDCG@10 {refit_ndcg:.4f} vs shipped "
                         f"{shipped_ndcg:.4f}); delete the file to go back")
            if confidence is None:
                clear_calibration(first.kb_dir)
                notes.append(f"confidence not fitted for it ({why}); the KB's curve was "
                             "removed, so the default applies until `kotae eval deflection` "
                             "calibrates it")
            else:
                save_calibration(first.kb_dir, threshold, confidence)
                at = point_at(sweep(scores, samples), threshold)
                by_curve = point_at(sweep(held, samples), RetrievalConfig().answer_threshold)
                notes.append(
                    f"fitted the confidence for it on the same {len(samples)} questions ({how}) "
                    f"and wrote it to {first.kb_dir}/settings.json with the threshold "
                    f"{threshold:.4f}. Cross-fitted: AUROC {auc or 0.0:.3f} (its curve: "
                    f"{auroc(held, samples) or 0.0:.3f}; the shipped model and curve: "
                    f"{'–' if baseline is None else f'{baseline:.3f}'}); at that threshold it "
                    f"answers {_share(at)} (the curve at 0.5: {_share(by_curve)}). For a "
                    "threshold of a target precision, calibrate on a judged set with questions "
                    "the KB cannot answer: `kotae eval deflection --beir`")
    elif write:
        notes.append(f"nothing written: the refit's cross-fitted nDCG@10 ({refit_ndcg:.4f}) is "
                     f"not above the shipped model's ({shipped_ndcg:.4f}) on {first.name}")
    report = _report(sets, table, notes)
    return RerankOutcome(report, write_report(report, report_dir), table, saved_to)


def _share(at: CurvePoint | None) -> str:
    return (f"{at.coverage if at else 0.0:.1%} of them, {at.precision if at else 0.0:.1%} "
            "right")


def refit_confidence(samples: list[Sample], curve: ConfidenceModel, held: list[float]
                     ) -> tuple[ConfidenceModel | BoostedConfidence, float, list[float], str]:
    """The confidence a refit serves with, its threshold, its cross-fitted scores of
    ``samples`` and how it was chosen: the curve at the threshold 0.5 (answer when the top hit
    is more likely right than wrong), or boosted trees over the same questions (without
    ``REFIT_LEFT_OUT``, as the curve) when they win by ``calibrate.trees_win`` at the
    precision the curve has there; their threshold is the smallest at which their
    cross-fitted scores are as precise."""
    threshold = RetrievalConfig().answer_threshold
    curve_at = point_at(sweep(held, samples), threshold)
    try:
        trees_held = cross_fit_boosted(samples, curve, leave_out=REFIT_LEFT_OUT)
    except CalibrationError as exc:
        return curve, threshold, held, f"a curve; no boosted trees: {exc}"
    trees_at = choose_threshold(sweep(trees_held, samples), curve_at.precision) \
        if curve_at is not None else None
    if trees_at is None or not trees_win(auroc(trees_held, samples), auroc(held, samples),
                                         trees_at, curve_at):
        return curve, threshold, held, ("a curve; boosted trees did not beat it on "
                                        "held-out questions")
    return (fit_boosted(samples, curve, leave_out=REFIT_LEFT_OUT), trees_at.threshold,
            trees_held, "boosted trees: they beat the curve on held-out questions")


def shipped_auroc(data: RankData) -> float | None:
    """How well the shipped model and its curve tell right top hits of ``data`` from wrong
    ones (None: nothing shipped, or only right or only wrong top hits)."""
    try:
        shipped = RankModel(DEFAULT_MODEL)
        samples = samples_from_ranking(data, shipped.score(data.X))
    except RankModelError:
        return None
    curve = shipped_curve()
    return auroc([curve.score(s.features) if s.features else 0.0 for s in samples], samples)


def _report(sets: list[QuerySet], table: dict[str, dict[str, dict[str, float]]],
            notes: list[str]) -> Report:
    info = run_info(None)
    results = {**info, "sets": [{**s.card(), "source": s.source, "kb_dir": str(s.kb_dir)}
                                for s in sets],
               "metrics": table, "features": FEATURE_SETS}
    report = Report("Second stage: fit and scores", kind="rerank", results=results)
    report.notes = [
        "every figure is on queries the scoring model was not fitted on, except rows marked "
        "in-sample; cross-fitted: 5 folds by query, each scored by a model fitted on the other "
        "folds plus the other sets",
        f"commit {info['git']['commit'] or 'none'}; {info['created_at']}",
        f"command: {info['command']}", *notes]
    for qs in sets:
        rows = table[qs.name]
        report.tables.append(Table(f"{qs.name} ({qs.data.queries:,} queries)", ["model", *METRICS],
                                   [[model, *(m[k] for k in METRICS)]
                                    for model, m in rows.items()]))
    return report
