"""Phrasings learnt from use: how customers asked for a document, waiting for an editor or approved.

A phrasing is a customer's wording linked to the document that answered it, harvested from a
past ticket, a suggestion an agent used, helpful votes or an accepted gap (``SOURCES``). It
starts as a ``candidate`` with the score of its link; an editor approves it, rejects it or moves
it to another document, or the KB's auto-approve policy approves it when its source has a
threshold and its score reaches it. Approved phrasings train the question router at the next
build (``kotae.retrieval.builder``) like an FAQ entry's ``variants`` do.

One row per (source, source key, wording): harvesting the same ticket again adds nothing, and a
rejected candidate never comes back from the same source. Phrasings are customers' wording and
stay internal: nothing here is shown to a customer. Their text is redacted again on the way in
(tickets and the query log are redacted already; this is the second line).

Example:
    >>> phrasings = PhrasingStore(KBStore.for_dir("var/kb"))
    >>> phrasings.add([Candidate("doc1", "パスワード忘れた", "ticket", "TCK-1", 0.93)])
    1
    >>> phrasings.auto_approve({"ticket": 0.9})
    1
    >>> phrasings.approved()
    [('doc1', 'パスワード忘れた')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Float, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kotae.kb.normalise import normalise_text
from kotae.kb.redact import redact_text
from kotae.kb.store import Base, KBStore
from kotae.kb.types import stable_hash

SOURCES = ("ticket", "suggestion", "vote", "gap")
STATUSES = ("candidate", "approved", "rejected")
DECISIONS = ("approve", "reject", "move")
MAX_CHARS = 300  # a phrasing is a question, not a pasted thread
# Past tickets and used drafts are approved at once from these scores; votes never (a person
# reviews them), accepted gaps always (an editor chose their questions). Tickets from 0.5: the
# least score at which inferred links were at least 98% right in BANKING77's replay (N = 5 and
# 20; CLINC150 was the held-out check: docs/benchmarks.md, "Learning from use").
DEFAULT_AUTO_APPROVE = {"ticket": 0.5, "suggestion": 1.0, "gap": 1.0}
DEFAULT_MIN_VOTERS = 3  # different clients who voted a question helpful


class PhrasingRow(Base):
    __tablename__ = "phrasings"
    __table_args__ = (UniqueConstraint("source", "source_key", "text_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    doc_id: Mapped[str] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(Text)
    text_key: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    source_key: Mapped[str] = mapped_column(String(128))
    score: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[str] = mapped_column(String(40))
    decided_at: Mapped[str] = mapped_column(String(40), default="")
    decided_by: Mapped[str] = mapped_column(String(128), default="")


@dataclass(frozen=True)
class Candidate:
    """A harvested phrasing: ``text`` asks for ``doc_id``; ``source_key`` names where it came
    from within ``source`` (a ticket's id, a suggestion's id, …); ``score`` is how sure the
    link is, in [0, 1]."""

    doc_id: str
    text: str
    source: str
    source_key: str
    score: float

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"unknown source {self.source!r}; allowed: {', '.join(SOURCES)}")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be in [0, 1], got {self.score}")


@dataclass(frozen=True)
class Phrasing:
    id: int
    doc_id: str
    text: str
    source: str
    source_key: str
    score: float
    status: str
    created_at: str
    decided_at: str = ""
    decided_by: str = ""

    @classmethod
    def from_row(cls, row: PhrasingRow) -> Phrasing:
        return cls(row.id, row.doc_id, row.text, row.source, row.source_key, row.score,
                   row.status, row.created_at, row.decided_at, row.decided_by)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def phrasing_text(text: str) -> str:
    """The stored form of a wording: normalised, redacted, one line, at most ``MAX_CHARS``."""
    return " ".join(redact_text(normalise_text(text)).split())[:MAX_CHARS]


def check_policy(policy: Mapping[str, float]) -> dict[str, float]:
    """An auto-approve policy (source → least score approved at once), checked."""
    unknown = sorted(set(policy) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown phrasing source {', '.join(unknown)}; allowed: "
                         f"{', '.join(SOURCES)}")
    for source, threshold in policy.items():
        if not 0.0 <= float(threshold) <= 1.0:
            raise ValueError(f"auto-approve threshold of {source} must be in [0, 1], "
                             f"got {threshold}")
    return {s: float(t) for s, t in policy.items()}


class PhrasingStore:
    """The phrasings of one KB, in its database (the table is created on first use)."""

    def __init__(self, store: KBStore) -> None:
        self.store = store
        Base.metadata.create_all(store.engine, tables=[PhrasingRow.__table__])  # type: ignore[list-item]

    def add(self, candidates: Sequence[Candidate]) -> int:
        """Store new candidates; returns how many were new. Skipped: one already stored from
        the same source and key with the same wording (whatever its status), and one rejected
        before for the same document from the same source, in the same wording or from the same
        key in another (a vote's question is worded as its first vote was, and that vote may be
        gone from the log by the next harvest)."""
        added = 0
        now = _now()
        with self.store.session() as s:
            for c in candidates:
                text = phrasing_text(c.text)
                if not text or not c.doc_id:
                    continue
                key = stable_hash(text, length=32)
                rejected = (PhrasingRow.doc_id == c.doc_id) & (PhrasingRow.status == "rejected")
                seen = s.scalar(select(func.count()).select_from(PhrasingRow).where(
                    PhrasingRow.source == c.source,
                    ((PhrasingRow.text_key == key)
                     & ((PhrasingRow.source_key == c.source_key) | rejected))
                    | ((PhrasingRow.source_key == c.source_key) & rejected)))
                if seen:
                    continue
                s.add(PhrasingRow(doc_id=c.doc_id, text=text, text_key=key, source=c.source,
                                  source_key=c.source_key, score=round(float(c.score), 4),
                                  status="candidate", created_at=now))
                s.flush()
                added += 1
        return added

    def auto_approve(self, policy: Mapping[str, float]) -> int:
        """Approve the candidates whose source has a threshold in ``policy`` and whose score
        reaches it; returns how many."""
        approved = 0
        with self.store.session() as s:
            for source, threshold in check_policy(policy).items():
                rows = s.scalars(select(PhrasingRow).where(
                    PhrasingRow.status == "candidate", PhrasingRow.source == source,
                    PhrasingRow.score >= threshold))
                for row in rows:
                    row.status, row.decided_at, row.decided_by = "approved", _now(), "auto"
                    approved += 1
        return approved

    def decide(self, phrasing_id: int, decision: str, who: str,
               doc_id: str | None = None) -> Phrasing:
        """An editor's decision: ``approve``, ``reject``, or ``move`` to ``doc_id`` (approved
        there). ``LookupError`` when there is no such phrasing."""
        if decision not in DECISIONS:
            raise ValueError(f"unknown decision {decision!r}; allowed: {', '.join(DECISIONS)}")
        if decision == "move" and not doc_id:
            raise ValueError("move needs the document to move the phrasing to")
        with self.store.session() as s:
            row = s.get(PhrasingRow, phrasing_id)
            if row is None:
                raise LookupError(f"no phrasing with id {phrasing_id}")
            if decision == "move":
                row.doc_id = str(doc_id)
            row.status = "rejected" if decision == "reject" else "approved"
            row.decided_at, row.decided_by = _now(), who
            s.flush()
            return Phrasing.from_row(row)

    def get(self, phrasing_id: int) -> Phrasing | None:
        with Session(self.store.engine) as s:
            row = s.get(PhrasingRow, phrasing_id)
            return Phrasing.from_row(row) if row else None

    def find(self, *, status: str | None = None, doc_id: str | None = None,
             source: str | None = None, limit: int = 200, offset: int = 0) -> list[Phrasing]:
        """Phrasings by document, best score first within a document."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; allowed: {', '.join(STATUSES)}")
        query = select(PhrasingRow).order_by(PhrasingRow.doc_id, PhrasingRow.score.desc(),
                                             PhrasingRow.id)
        if status is not None:
            query = query.where(PhrasingRow.status == status)
        if doc_id is not None:
            query = query.where(PhrasingRow.doc_id == doc_id)
        if source is not None:
            query = query.where(PhrasingRow.source == source)
        with Session(self.store.engine) as s:
            return [Phrasing.from_row(r) for r in s.scalars(query.limit(limit).offset(offset))]

    def counts(self) -> dict[str, dict[str, int]]:
        """status → source → how many."""
        out: dict[str, dict[str, int]] = {status: {} for status in STATUSES}
        with Session(self.store.engine) as s:
            rows = s.execute(select(PhrasingRow.status, PhrasingRow.source, func.count())
                             .group_by(PhrasingRow.status, PhrasingRow.source))
            for status, source, n in rows:
                out.setdefault(status, {})[source] = int(n)
        return out

    def source_keys(self, source: str) -> set[str]:
        """The keys already harvested from ``source`` (whatever became of them)."""
        with Session(self.store.engine) as s:
            return set(s.scalars(select(PhrasingRow.source_key).distinct()
                                 .where(PhrasingRow.source == source)))

    def approved_at(self) -> list[str]:
        """When each approved phrasing was approved (ISO times), oldest first."""
        with Session(self.store.engine) as s:
            return list(s.scalars(select(PhrasingRow.decided_at)
                                  .where(PhrasingRow.status == "approved")
                                  .order_by(PhrasingRow.decided_at)))

    def approved(self) -> list[tuple[str, str]]:
        """(document id, wording) of every approved phrasing, in a stable order."""
        with Session(self.store.engine) as s:
            return [(d, t) for d, t in s.execute(
                select(PhrasingRow.doc_id, PhrasingRow.text)
                .where(PhrasingRow.status == "approved")
                .order_by(PhrasingRow.doc_id, PhrasingRow.text_key))]
