"""The gap report as CSV tables and as a Markdown document.

Example:
    >>> Path("report/gaps.csv").write_text(gaps_csv(report), encoding="utf-8")
    >>> Path("report/gaps.md").write_text(report_markdown(report), encoding="utf-8")
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from kotae.suggest.gaps.report import Gap, GapReport, LearningEffect

TABLES = ("gaps", "duplicates", "stale", "weeks")
TREND_JA = {"new": "新規", "rising": "増加", "steady": "横ばい", "falling": "減少"}


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def gaps_csv(report: GapReport) -> str:
    """One row per gap, best ranked first (UTF-8; Excel users: save with a BOM)."""
    header = ["rank", "gap_id", "label", "questions", "score", "trend", "first_seen",
              "last_seen", "language", "signals", "representative_questions",
              "proposed_question", "proposed_answer", "has_answer", "cited_tickets",
              "draft_doc_id"]
    rows = [[n, g.id, g.label, g.size, g.score, g.trend, g.first_seen, g.last_seen,
             g.language, " ".join(f"{k}={v}" for k, v in g.signals.items()),
             " | ".join(g.representatives), g.proposal.question, g.proposal.answer,
             g.proposal.has_answer, " ".join(c.ticket_id or c.doc_id
                                             for c in g.proposal.citations), g.draft_doc_id]
            for n, g in enumerate(report.gaps, 1)]
    return _csv(header, rows)


def table_csv(report: GapReport, table: str) -> str:
    """``gaps``, ``duplicates``, ``stale`` or ``weeks`` as CSV."""
    if table == "gaps":
        return gaps_csv(report)
    if table == "duplicates":
        return _csv(["doc_a", "title_a", "doc_b", "title_b", "similarity", "overlap", "reason"],
                    [[d.doc_a, d.title_a, d.doc_b, d.title_b, d.similarity, d.overlap, d.reason]
                     for d in report.duplicates])
    if table == "stale":
        return _csv(["doc_id", "title", "updated_at", "questions", "votes", "not_helpful",
                     "reason"], [[s.doc_id, s.title, s.updated_at, s.questions, s.votes,
                                  s.not_helpful, s.reason] for s in report.stale])
    if table == "weeks":
        return _csv(["week", "questions", "handoffs", "deflection_rate", "votes", "helpful",
                     "helpful_rate", "gap_questions", "learnt_phrasings"],
                    [[w.week, w.questions, w.handoffs, _rate(w.deflection_rate), w.votes,
                      w.helpful, _rate(w.helpful_rate), w.gap_questions, w.learnt]
                     for w in report.weeks])
    raise ValueError(f"unknown table {table!r}; allowed: {', '.join(TABLES)}")


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _gap_section(n: int, gap: Gap, lines: list[str]) -> None:
    p = gap.proposal
    trend = TREND_JA.get(gap.trend, gap.trend)
    lines += [f"### {n}. {gap.label}", "",
              f"- 質問数 (questions): {gap.size} / 傾向 (trend): {trend} / 期間 (seen): "
              f"{gap.first_seen[:10]} – {gap.last_seen[:10]}",
              f"- id: `{gap.id}`" + (f" / 下書き (draft): `{gap.draft_doc_id}`"
                                     if gap.draft_doc_id else ""),
              "- 代表的な質問 (representative questions):"]
    lines += [f"  - {_cell(q)}" for q in gap.representatives]
    lines += ["", f"**提案する FAQ (proposed entry)** — Q: {_cell(p.question)}", ""]
    lines += [f"> {line}" for line in p.answer.splitlines()] or ["> "]
    if p.citations:
        cited = ", ".join(c.ticket_id or c.doc_id for c in p.citations)
        lines += ["", f"出典 (cited tickets): {cited}"]
    lines.append("")


def report_markdown(report: GapReport) -> str:
    """The whole report: summary, gaps with their proposals, duplicates, stale, weeks."""
    since = report.since[:10] if report.since else "全期間 (all time)"
    lines = ["# FAQ ギャップレポート (FAQ gaps)", "",
             f"- 作成 (generated): {report.generated_at} / 対象期間 (since): {since}",
             f"- 未回答の質問 (unanswered questions): {report.candidates}, ギャップ (gaps): "
             f"{len(report.gaps)}, どのギャップにも入らない質問 (unclustered): "
             f"{report.unclustered}", "", "## ギャップ (gaps)", ""]
    if not report.gaps:
        lines += ["ギャップは見つかりませんでした (no gaps).", ""]
    for n, gap in enumerate(report.gaps, 1):
        _gap_section(n, gap, lines)
    lines += ["## 重複している記事 (near-duplicate articles)", ""]
    lines += [f"- {_cell(d.title_a)} ↔ {_cell(d.title_b)}: {d.reason}"
              for d in report.duplicates] or ["なし (none)"]
    lines += ["", "## 古い・役に立っていない記事 (stale articles)", ""]
    lines += [f"- {_cell(s.title)} (更新 {s.updated_at or '不明'}): {s.reason}"
              for s in report.stale] or ["なし (none)"]
    lines += ["", "## 週ごとの推移 (weekly)", "",
              "| 週 (week) | 質問 | 有人対応 | 自己解決率 | 「はい」率 | ギャップの質問 "
              "| 学習した言い回し |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {w.week} | {w.questions} | {w.handoffs} | {_pct(w.deflection_rate)} | "
              f"{_pct(w.helpful_rate)} | {w.gap_questions} | {w.learnt} |"
              for w in report.weeks]
    if report.learning is not None:
        lines += ["", "## 学習の前後 (before / after learning)", "", learning_line(report.learning)]
    return "\n".join(lines) + "\n"


def learning_line(effect: LearningEffect) -> str:
    """One sentence: what the rates did around the latest week phrasings were learnt."""
    head = f"{effect.week} の週に言い回しを {effect.learnt} 件学習しました"
    if effect.after is None or effect.deflection_change is None or effect.before is None:
        return head + "。前後を比べられる週がまだありません (no weeks to compare yet)."
    verdict = ("偶然の範囲を超える変化です (beyond chance)" if effect.clear else
               "偶然の範囲の変化です (within chance)")
    return (f"{head}。自己解決率 (deflection) は前 {effect.before_weeks} 週 "
            f"{_pct(effect.before.deflection_rate)}（{effect.before.questions} 件）→ "
            f"後 {effect.after_weeks} 週 {_pct(effect.after.deflection_rate)}"
            f"（{effect.after.questions} 件）、「はい」率 (helpful) は "
            f"{_pct(effect.before.helpful_rate)} → {_pct(effect.after.helpful_rate)}。"
            f"{verdict}。")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"
