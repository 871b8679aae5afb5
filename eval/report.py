"""Report folders: ``report.md`` (tables), ``report.html`` (tables + plots), ``results.json``.

``results.json`` is the machine-readable record: run info (kotae version, git commit, embedder,
machine), the dataset fingerprint, ``metrics`` as ``{group: {metric: value}}`` (a group is a
retrieval mode, or a system in the latency eval) and ``per_query`` as
``{group: {qid: {metric: value}}}`` for ``kotae eval compare``.

Example:
    >>> report = Report("Retrieval: localgovfaq", kind="retrieval", results={"metrics": {}})
    >>> report.tables.append(Table("Metrics", ["mode", "ndcg@10"], [["hybrid", 0.61]]))
    >>> write_report(report, Path("out/"))
"""

from __future__ import annotations

import base64
import html
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""


@dataclass
class Figure:
    title: str
    png: bytes


@dataclass
class Report:
    title: str
    kind: str
    results: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


def format_cell(value: Any) -> str:
    """Floats with 4 significant decimals, None as an em dash, the rest as text."""
    if value is None:
        return "—"
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        if value.is_integer() and abs(value) >= 10:
            return f"{int(value):,}"
        return f"{value:.4f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def to_markdown(report: Report) -> str:
    lines = [f"# {report.title}", ""]
    lines += [f"- {note}" for note in report.notes]
    for table in report.tables:
        lines += ["", f"## {table.title}", ""]
        lines.append("| " + " | ".join(table.columns) + " |")
        lines.append("|" + "|".join(" --- " for _ in table.columns) + "|")
        for row in table.rows:
            cells = [format_cell(c).replace("|", "\\|").replace("\n", " ") for c in row]
            lines.append("| " + " | ".join(cells) + " |")
        if table.note:
            lines += ["", table.note]
    if report.figures:
        lines += ["", "Plots: see report.html."]
    return "\n".join(lines) + "\n"


_STYLE = ("body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
          "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;"
          "padding:.25rem .6rem;text-align:right}th{background:#f3f3f3}"
          "td:first-child,th:first-child{text-align:left}img{max-width:100%}")


def to_html(report: Report) -> str:
    esc = html.escape
    parts = [f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<title>{esc(report.title)}</title><style>{_STYLE}</style></head><body>",
             f"<h1>{esc(report.title)}</h1>"]
    if report.notes:
        parts.append("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in report.notes) + "</ul>")
    for table in report.tables:
        parts.append(f"<h2>{esc(table.title)}</h2><table><tr>"
                     + "".join(f"<th>{esc(c)}</th>" for c in table.columns) + "</tr>")
        for row in table.rows:
            parts.append("<tr>" + "".join(f"<td>{esc(format_cell(c))}</td>" for c in row)
                         + "</tr>")
        parts.append("</table>")
        if table.note:
            parts.append(f"<p>{esc(table.note)}</p>")
    for figure in report.figures:
        data = base64.b64encode(figure.png).decode("ascii")
        parts.append(f"<h2>{esc(figure.title)}</h2>"
                     f"<img alt=\"{esc(figure.title)}\" src=\"data:image/png;base64,{data}\">")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def write_report(report: Report, folder: str | Path) -> dict[str, Path]:
    """Write the three files into ``folder`` (created if needed); returns their paths."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    paths = {"md": root / "report.md", "html": root / "report.html",
             "json": root / "results.json"}
    paths["md"].write_text(to_markdown(report), encoding="utf-8")
    paths["html"].write_text(to_html(report), encoding="utf-8")
    results = {"kind": report.kind, "title": report.title, **report.results}
    paths["json"].write_text(json.dumps(_jsonable(results), ensure_ascii=False, indent=1),
                             encoding="utf-8")
    return paths


def read_results(path: str | Path) -> dict[str, Any]:
    """A ``results.json`` (or the report folder holding one), checked for ``metrics``."""
    p = Path(path)
    if p.is_dir():
        p = p / "results.json"
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{p} not found; give a results.json or its report folder"
                                ) from None
    except ValueError as exc:
        raise ValueError(f"{p} is not valid JSON ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise ValueError(f"{p} has no \"metrics\" object; is it a kotae eval results.json?")
    return data
