"""Suggestions kotae made and what agents did with them: the labels later work learns from.

Two tables on the store's ``Base``: ``suggestions`` (one row per drafted reply: the ticket,
the draft, its citations, triage) and ``suggestion_outcomes`` (used / edited / wrong, the final
text, its edit distance from the draft and the citations the agent kept).

Example:
    >>> feedback = FeedbackStore(KBStore.for_dir("var/kb"))
    >>> feedback.add_suggestion(SuggestionRecord(id="abc", subject="…", body="…", draft="…"))
    >>> feedback.add_outcome(OutcomeRecord(suggestion_id="abc", outcome="used", final_text="…"))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kotae.kb.store import Base, KBStore

OUTCOMES = ("used", "edited", "wrong")


class SuggestionRow(Base):
    __tablename__ = "suggestions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    draft: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(16))
    drafter: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float)
    category: Mapped[str] = mapped_column(String(128), default="")
    priority: Mapped[str] = mapped_column(String(16), default="")
    escalation: Mapped[str] = mapped_column(String(32), default="")
    citations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    snapshot: Mapped[str] = mapped_column(String(128), default="")


class OutcomeRow(Base):
    __tablename__ = "suggestion_outcomes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    suggestion_id: Mapped[str] = mapped_column(
        ForeignKey("suggestions.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(16))
    final_text: Mapped[str] = mapped_column(Text, default="")
    edit_distance: Mapped[int] = mapped_column(Integer, default=0)
    kept_citations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    agent: Mapped[str] = mapped_column(String(128), default="")


@dataclass
class SuggestionRecord:
    id: str
    subject: str
    body: str
    draft: str
    language: str = "ja"
    mode: str = "answer"
    drafter: str = "grounded"
    confidence: float = 0.0
    category: str = ""
    priority: str = ""
    escalation: str = ""
    citations: list[dict[str, Any]] = field(default_factory=list)  # doc_id, label, title, url
    snapshot: str = ""
    created_at: str = ""


@dataclass
class OutcomeRecord:
    suggestion_id: str
    outcome: str
    final_text: str = ""
    edit_distance: int = 0
    kept_citations: list[str] = field(default_factory=list)  # citation labels or doc ids
    agent: str = ""
    created_at: str = ""

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}; allowed: {', '.join(OUTCOMES)}")
        if self.edit_distance < 0:
            raise ValueError(f"edit_distance must be ≥ 0, got {self.edit_distance}")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class FeedbackStore:
    """Suggestions and their outcomes in the KB's database (tables created on first use).

    Example:
        >>> feedback = FeedbackStore(KBStore.for_dir("var/kb"))
        >>> [o.outcome for o in feedback.outcomes(suggestion_id)]
        ['edited']
    """

    def __init__(self, store: KBStore) -> None:
        self.store = store
        tables = [Base.metadata.tables[SuggestionRow.__tablename__],
                  Base.metadata.tables[OutcomeRow.__tablename__]]
        Base.metadata.create_all(store.engine, tables=tables)

    def add_suggestion(self, record: SuggestionRecord) -> None:
        with self.store.session() as s:
            s.merge(SuggestionRow(**{**record.__dict__, "created_at": record.created_at or _now()}))

    def get_suggestion(self, suggestion_id: str) -> SuggestionRecord | None:
        with Session(self.store.engine) as s:
            row = s.get(SuggestionRow, suggestion_id)
            if row is None:
                return None
            names = SuggestionRecord.__dataclass_fields__
            return SuggestionRecord(**{k: getattr(row, k) for k in names})

    def add_outcome(self, record: OutcomeRecord) -> int:
        """Store an outcome (an agent may send several; the last one counts); returns its id.

        Raises ``LookupError`` when the suggestion is not stored.
        """
        with self.store.session() as s:
            if s.get(SuggestionRow, record.suggestion_id) is None:
                raise LookupError(f"no suggestion with id {record.suggestion_id!r}")
            row = OutcomeRow(**{**record.__dict__, "created_at": record.created_at or _now()})
            s.add(row)
            s.flush()
            return int(row.id)

    def outcomes(self, suggestion_id: str | None = None) -> list[OutcomeRecord]:
        """Outcomes, oldest first (of one suggestion, or all)."""
        query = select(OutcomeRow).order_by(OutcomeRow.id)
        if suggestion_id is not None:
            query = query.where(OutcomeRow.suggestion_id == suggestion_id)
        with Session(self.store.engine) as s:
            return [OutcomeRecord(**{k: getattr(r, k) for k in OutcomeRecord.__dataclass_fields__})
                    for r in s.scalars(query)]
