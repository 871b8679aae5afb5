"""The gap report as one self-contained HTML page (charts embedded as base64 PNG).

Example:
    >>> Path("report/gaps.html").write_text(report_html(report), encoding="utf-8")
"""

from __future__ import annotations

from html import escape

from kotae.suggest.gaps.charts import report_charts
from kotae.suggest.gaps.export import TREND_JA, learning_line
from kotae.suggest.gaps.report import Gap, GapReport

_STYLE = """
body{font-family:"Noto Sans CJK JP","Hiragino Sans","Yu Gothic",sans-serif;margin:2rem auto;
max-width:60rem;color:#1f2328;line-height:1.6;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;border-bottom:1px solid #d0d7de;margin-top:2rem}
.gap{border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.meta{color:#57606a;font-size:.9rem}blockquote{background:#f6f8fa;margin:.5rem 0;
padding:.5rem 1rem;white-space:pre-wrap;border-left:4px solid #3b6fb6}
img{max-width:100%}table{border-collapse:collapse}td,th{border:1px solid #d0d7de;
padding:.2rem .5rem;font-size:.9rem}
"""


def _gap_html(n: int, gap: Gap) -> str:
    p = gap.proposal
    questions = "".join(f"<li>{escape(q)}</li>" for q in gap.representatives)
    cited = ", ".join(escape(c.ticket_id or c.doc_id) for c in p.citations)
    draft = (f' / 下書き作成済み <code>{escape(gap.draft_doc_id)}</code>'
             if gap.draft_doc_id else "")
    return (
        f'<section class="gap" id="gap-{escape(gap.id)}"><h3>{n}. {escape(gap.label)}</h3>'
        f'<p class="meta">質問数 {gap.size} / 傾向 {escape(TREND_JA.get(gap.trend, gap.trend))}'
        f' / {escape(gap.first_seen[:10])} – {escape(gap.last_seen[:10])}'
        f' / id <code>{escape(gap.id)}</code>{draft}</p><ul>{questions}</ul>'
        f'<p><strong>提案する FAQ</strong>: {escape(p.question)}</p>'
        f'<blockquote>{escape(p.answer)}</blockquote>'
        + (f'<p class="meta">出典: {cited}</p>' if cited else "") + "</section>")


def report_html(report: GapReport, charts: dict[str, str] | None = None) -> str:
    """The whole report; ``charts`` (name → data URI) are drawn when not given."""
    charts = report_charts(report) if charts is None else charts
    since = report.since[:10] if report.since else "全期間"
    images = "".join(f'<p><img alt="{escape(name)}" src="{uri}"></p>'
                     for name, uri in charts.items())
    gaps = "".join(_gap_html(n, g) for n, g in enumerate(report.gaps, 1)) or \
        "<p>ギャップは見つかりませんでした。</p>"
    dups = "".join(f"<li>{escape(d.title_a)} ↔ {escape(d.title_b)}: {escape(d.reason)}</li>"
                   for d in report.duplicates) or "<li>なし</li>"
    stale = "".join(f"<li>{escape(s.title)}（更新 {escape(s.updated_at or '不明')}）: "
                    f"{escape(s.reason)}</li>" for s in report.stale) or "<li>なし</li>"
    learning = (f'<p class="meta">{escape(learning_line(report.learning))}</p>'
                if report.learning is not None else "")
    return (
        '<!doctype html><html lang="ja"><head><meta charset="utf-8">'
        f"<title>FAQ ギャップレポート</title><style>{_STYLE}</style></head><body>"
        "<h1>FAQ ギャップレポート</h1>"
        f'<p class="meta">作成 {escape(report.generated_at)} / 対象期間 {escape(since)} / '
        f"未回答の質問 {report.candidates} 件 / ギャップ {len(report.gaps)} 件</p>"
        f"<h2>グラフ</h2>{learning}{images}<h2>ギャップ</h2>{gaps}"
        f"<h2>重複している記事</h2><ul>{dups}</ul>"
        f"<h2>古い・役に立っていない記事</h2><ul>{stale}</ul></body></html>")
