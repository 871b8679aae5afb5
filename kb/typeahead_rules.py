"""Editors' decisions about search suggestions: phrases they allow and phrases they block.

A blocked phrase is never suggested again, whatever the log says; an allowed phrase is
suggested to everyone typing its beginning (the editor has read it). Both are kept in the KB
database, so they outlive restarts and are shared by every worker.

Example:
    >>> rules = TypeaheadRules(KBStore.for_dir("var/kb"))
    >>> rule = rules.set("請求書の再発行", Decision.ALLOW, by="Sato (editor)")
    >>> rules.decision("請求書の再発行")
    <Decision.ALLOW: 'allow'>
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kotae.kb.events import query_key
from kotae.kb.store import Base, KBStore

MAX_PHRASE_CHARS = 100


class Decision(StrEnum):
    ALLOW = "allow"
    BLOCK = "block"


class TypeaheadRuleRow(Base):
    __tablename__ = "typeahead_rules"
    key: Mapped[str] = mapped_column(Text, primary_key=True)  # query_key of the phrase
    text: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(8), index=True)
    by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[str] = mapped_column(String(40))


@dataclass(frozen=True)
class TypeaheadRule:
    key: str
    text: str
    decision: Decision
    by: str
    created_at: str


def _rule(row: TypeaheadRuleRow) -> TypeaheadRule:
    return TypeaheadRule(row.key, row.text, Decision(row.decision), row.by, row.created_at)


class TypeaheadRules:
    """The allow and block lists of one KB (table created on first use)."""

    def __init__(self, store: KBStore) -> None:
        self.store = store
        Base.metadata.create_all(store.engine, tables=[Base.metadata.tables["typeahead_rules"]])

    def set(self, text: str, decision: Decision, by: str = "") -> TypeaheadRule:
        """Allow or block ``text`` (a second decision on the same phrase replaces the first).

        Raises ``ValueError`` for an empty phrase or one longer than ``MAX_PHRASE_CHARS``.
        """
        key = query_key(text)
        if not key or len(text.strip()) > MAX_PHRASE_CHARS:
            raise ValueError(f"a phrase needs 1–{MAX_PHRASE_CHARS} characters")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.store.session() as s:
            row = s.get(TypeaheadRuleRow, key)
            if row is None:
                row = TypeaheadRuleRow(key=key, created_at=now)
                s.add(row)
            row.text, row.decision, row.by, row.created_at = text.strip(), decision.value, by, now
            s.flush()
            return _rule(row)

    def remove(self, key: str) -> bool:
        """Forget the decision on a phrase (by its key); False when there was none."""
        with self.store.session() as s:
            row = s.get(TypeaheadRuleRow, key)
            if row is None:
                return False
            s.delete(row)
            return True

    def decision(self, text: str) -> Decision | None:
        with Session(self.store.engine) as s:
            row = s.get(TypeaheadRuleRow, query_key(text))
            return Decision(row.decision) if row else None

    def list(self, decision: Decision | None = None) -> list[TypeaheadRule]:
        """The rules, newest first."""
        query = select(TypeaheadRuleRow).order_by(TypeaheadRuleRow.created_at.desc(),
                                                  TypeaheadRuleRow.key)
        if decision is not None:
            query = query.where(TypeaheadRuleRow.decision == decision.value)
        with Session(self.store.engine) as s:
            return [_rule(row) for row in s.scalars(query)]
