"""The eval harness: datasets, metrics, benchmarks and their reports (``kotae eval ...``).

Importing ``eval`` is cheap: ranx, matplotlib, scikit-learn and LangChain load only inside the
functions that need them. Production code never imports ``eval`` (only ``app.cli_eval`` does).

Public interface:

- datasets: ``BeirDataset``, ``read_beir``, ``write_beir``, ``convert``, ``CONVERTERS``
- metrics: ``evaluate_run``, ``MetricResult``, ``DEFAULT_METRICS``
- runs: ``run_retrieval_eval``, ``run_deflection_eval``, ``run_latency_eval``,
  ``run_ingest_eval``, ``compare_results``
- reports: ``Report``, ``Table``, ``Figure``, ``write_report``, ``read_results``
"""

from kotae.eval.beir import BeirDataset, read_beir, write_beir
from kotae.eval.compare import Comparison, compare_results
from kotae.eval.convert import CONVERTERS, convert
from kotae.eval.errors import DatasetError, EvalError, ServerError, UnknownDataset
from kotae.eval.metrics import DEFAULT_METRICS, MetricResult, evaluate_run
from kotae.eval.report import Figure, Report, Table, read_results, write_report

__all__ = [
    "CONVERTERS", "DEFAULT_METRICS", "BeirDataset", "Comparison", "DatasetError", "EvalError",
    "Figure", "MetricResult", "Report", "ServerError", "Table", "UnknownDataset",
    "compare_results", "convert", "evaluate_run", "read_beir", "read_results",
    "run_deflection_eval", "run_ingest_eval", "run_latency_eval", "run_retrieval_eval",
    "write_beir", "write_report",
]


def __getattr__(name: str) -> object:
    """The run functions pull in the app's services and models: load them on first use."""
    lazy = {"run_retrieval_eval": "kotae.eval.retrieval_report",
            "run_deflection_eval": "kotae.eval.deflection_report",
            "run_latency_eval": "kotae.eval.perf_report",
            "run_ingest_eval": "kotae.eval.perf_report"}
    if name in lazy:
        import importlib

        return getattr(importlib.import_module(lazy[name]), name)
    raise AttributeError(f"module 'kotae.eval' has no attribute {name!r}")
