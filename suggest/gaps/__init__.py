"""FAQ gaps for content owners: what customers ask that the knowledge base does not answer.

Unanswered questions (low confidence, 「いいえ」 votes, hand-offs, tickets whose best public
article scored low) grouped by meaning, ranked by volume and recency, each with a proposed FAQ
entry drafted from resolved tickets; plus near-duplicate and stale articles, weekly rates, and
CSV / Markdown / HTML exports. ``import suggest.gaps`` loads neither scikit-learn nor
matplotlib; they load when a report is built or drawn.

Example:
    >>> report = GapAnalyser(store, searcher, QueryLog(store), GapOptions(since_days=30)).report()
    >>> accept_proposal(store, report.gaps[0], accepted_by="editor")
"""

from kotae.suggest.gaps.accept import DRAFT_SOURCE, accept_proposal, draft_document
from kotae.suggest.gaps.analyse import GapAnalyser
from kotae.suggest.gaps.errors import GapNotFound, GapsError, NothingToAccept
from kotae.suggest.gaps.export import TABLES, gaps_csv, report_markdown, table_csv
from kotae.suggest.gaps.files import write_report
from kotae.suggest.gaps.options import GapOptions
from kotae.suggest.gaps.report import (
    DuplicatePair,
    Gap,
    GapReport,
    Origin,
    Proposal,
    Question,
    Signal,
    StaleArticle,
    TicketCitation,
    WeekStats,
)

__all__ = [
    "DRAFT_SOURCE", "TABLES", "DuplicatePair", "Gap", "GapAnalyser", "GapNotFound",
    "GapOptions", "GapReport", "GapsError", "NothingToAccept", "Origin", "Proposal", "Question",
    "Signal", "StaleArticle", "TicketCitation", "WeekStats", "accept_proposal", "draft_document",
    "gaps_csv", "report_html", "report_markdown", "table_csv", "write_report",
]


def __getattr__(name: str) -> object:
    if name == "report_html":  # draws charts: matplotlib loads on first use
        from kotae.suggest.gaps.html import report_html

        return report_html
    raise AttributeError(f"module 'kotae.suggest.gaps' has no attribute {name!r}")
