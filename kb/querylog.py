"""The query log: every public search, deflection, click, vote and contact, in the KB database.

Clicks and votes update the event they follow, so the FAQ-gap report reads one row per question
with what happened to it: the hits it got, the confidence, whether kotae answered or handed off,
and whether the customer clicked, found it helpful, or wrote in.

Customers type their own e-mail addresses, phone numbers and names into a help search box, so
the log never stores what they typed as it is: the question and a hand-off's ticket are
redacted at write time by the same redactor as ingested tickets (``kb.redact``), and nothing
downstream (typeahead, the gap report, exports) can show raw personal data. Events older than
the retention (``retention_days``) are deleted.

Example:
    >>> log = QueryLog.for_dir("var/kb")
    >>> event_id = log.record(QueryEvent(channel=Channel.HELP, event=EventType.SEARCH,
    ...                                  query="パスワードを忘れた", language="ja"))
    >>> log.update(event_id, helpful=True)
    True
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kotae.kb.errors import StoreUnavailable
from kotae.kb.events import Action, Channel, EventType, QueryEvent, QueryEventRow, query_key
from kotae.kb.normalise import normalise_query, normalise_text
from kotae.kb.redact import redact_text
from kotae.kb.store import KBStore

__all__ = ["Action", "Channel", "EventType", "QueryEvent", "QueryEventRow", "QueryLog",
           "query_key"]


log = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


_OUTCOME_RANK = {"": 0, "clicked": 1, "helpful": 2, "not_helpful": 2, "contacted": 3}


PRUNE_EVERY_S = 3600.0  # how often a writing log deletes events past the retention


def redact_query(text: str) -> str:
    """A question as the log keeps it: one normalised line, personal data replaced.

    >>> redact_query("請求書 再発行 yamada@example.co.jp 090-1234-5678")
    '請求書 再発行 [メール] [電話番号]'
    """
    return redact_text(normalise_query(text))


def _redact_ticket(ticket: dict[str, Any] | None) -> dict[str, Any] | None:
    if not ticket:
        return None
    return {k: redact_text(normalise_text(v)) if k in ("subject", "body") and isinstance(v, str)
            else v for k, v in ticket.items()}


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


class QueryLog:
    """Writes and reads the query log in a KB store's database (SQLite or PostgreSQL).

    A write the store cannot take (read-only, locked) raises ``StoreUnavailable``; with
    ``best_effort`` (for logging that comes with a read, such as a search) it is skipped
    instead: the first skip is logged as a warning, later ones at debug level.

    With ``retention_days`` (0: keep everything) a log that writes deletes the events older
    than that, at most once every ``PRUNE_EVERY_S`` seconds.
    """

    def __init__(self, store: KBStore, retention_days: int = 0) -> None:
        if not isinstance(store, KBStore):
            raise ValueError(f"QueryLog needs a KBStore, got {type(store).__name__}")
        if retention_days < 0:
            raise ValueError(f"retention_days must be >= 0 (0 = keep), got {retention_days}")
        self.store = store
        self.retention_days = retention_days
        self._skipped = False
        self._pruned_at: float | None = None
        self._prune_lock = threading.Lock()

    @contextmanager
    def _writing(self, best_effort: bool) -> Iterator[None]:
        """Around a write: with ``best_effort`` a StoreUnavailable ends the block quietly."""
        try:
            yield
        except StoreUnavailable as exc:
            if not best_effort:
                raise
            log.log(logging.DEBUG if self._skipped else logging.WARNING,
                    "query log not written, going on without it: %s", exc)
            self._skipped = True

    @classmethod
    def for_dir(cls, kb_dir: str | Path, retention_days: int = 0) -> QueryLog:
        return cls(KBStore.for_dir(kb_dir), retention_days)

    def record(self, event: QueryEvent, *, best_effort: bool = False) -> str:
        """Store ``event`` (a new id and time are given when it has none) with its question
        and ticket redacted; returns the id, or "" when ``best_effort`` and the store could
        not take it."""
        event.id = event.id or uuid.uuid4().hex
        event.created_at = event.created_at or _now()
        query = redact_query(event.query)
        written = False
        # A write the store refuses ends the block (when best-effort) before ``written``.
        with self._writing(best_effort):
            with self.store.session() as s:
                s.add(QueryEventRow(
                    id=event.id, created_at=event.created_at, updated_at=event.created_at,
                    channel=event.channel.value, event=event.event.value,
                    session_id=event.session_id, client=event.client,
                    parent_id=event.parent_id, query=query, query_norm=query_key(query),
                    language=event.language, hits=[dict(h) for h in event.hits],
                    confidence=event.confidence, action=event.action.value,
                    helpful=event.helpful, clicked_doc_id=event.clicked_doc_id,
                    outcome=event.outcome, via=event.via, ticket=_redact_ticket(event.ticket)))
            written = True  # committed
        if not written:
            return ""
        self._maybe_prune()
        return event.id

    def prune(self, older_than_days: int | None = None) -> int:
        """Delete the events created more than ``older_than_days`` (default: the retention)
        days ago; returns how many. Nothing is deleted when the retention is 0."""
        days = self.retention_days if older_than_days is None else older_than_days
        if days <= 0:
            return 0
        cutoff = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="milliseconds")
        with self._writing(best_effort=True), self.store.session() as s:
            gone = s.execute(delete(QueryEventRow).where(QueryEventRow.created_at < cutoff))
            count = int(getattr(gone, "rowcount", 0) or 0)
            if count:
                log.info("query log: %d event(s) older than %d days deleted", count, days)
            return count
        return 0

    def _maybe_prune(self) -> None:
        if self.retention_days <= 0:
            return
        now = time.monotonic()
        with self._prune_lock:
            if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY_S:
                return
            self._pruned_at = now
        self.prune()

    def update(self, event_id: str, *, helpful: bool | None = None,
               clicked_doc_id: str | None = None, outcome: str | None = None,
               best_effort: bool = False) -> bool:
        """Record what followed an event; False when there is no such event (or when
        ``best_effort`` and the store could not take the write).

        A click never hides a vote, and a vote never hides a contact: the outcome keeps the
        strongest signal (contacted > helpful / not_helpful > clicked).
        """
        if outcome is not None and outcome not in _OUTCOME_RANK:
            allowed = ", ".join(o for o in _OUTCOME_RANK if o)
            raise ValueError(f"unknown outcome {outcome!r}; allowed: {allowed}")
        if outcome is None and helpful is not None:
            outcome = "helpful" if helpful else "not_helpful"
        if outcome is None and clicked_doc_id:
            outcome = "clicked"
        with self._writing(best_effort), self.store.session() as s:
            row = s.get(QueryEventRow, event_id)
            if row is None:
                return False
            if helpful is not None:
                row.helpful = helpful
            if clicked_doc_id:
                row.clicked_doc_id = clicked_doc_id
            if outcome and _OUTCOME_RANK[outcome] >= _OUTCOME_RANK.get(row.outcome, 0):
                row.outcome = outcome
            row.updated_at = _now()
            return True
        return False

    def discard(self, event_id: str, session_id: str, superseded_by: str) -> bool:
        """Delete a search typed on the way to ``superseded_by`` (same session, nobody acted
        on it, and one query extends the other); True when it was deleted. A search the
        customer rephrased is kept: it is a question the FAQ did not answer. Best-effort:
        False when the store cannot take the write."""
        if not session_id:
            return False
        new = query_key(redact_query(superseded_by))
        with self._writing(best_effort=True), self.store.session() as s:
            row = s.get(QueryEventRow, event_id)
            if row is None or row.session_id != session_id or row.outcome or \
                    row.event != EventType.SEARCH.value:
                return False
            if not (new.startswith(row.query_norm) or row.query_norm.startswith(new)):
                return False
            s.delete(row)
            return True
        return False

    def get(self, event_id: str) -> QueryEvent | None:
        with Session(self.store.engine) as s:
            row = s.get(QueryEventRow, event_id)
            return QueryEvent.from_row(row) if row else None

    def events(self, *, channel: Channel | None = None, action: Action | None = None,
               since: str | None = None, limit: int = 1000) -> list[QueryEvent]:
        """Events, newest first; ``since`` is an ISO time (inclusive)."""
        query = select(QueryEventRow).order_by(QueryEventRow.created_at.desc()).limit(limit)
        if channel is not None:
            query = query.where(QueryEventRow.channel == channel.value)
        if action is not None:
            query = query.where(QueryEventRow.action == action.value)
        if since is not None:
            query = query.where(QueryEventRow.created_at >= since)
        with Session(self.store.engine) as s:
            return [QueryEvent.from_row(row) for row in s.scalars(query)]

    def votes(self, since: str | None = None) -> list[tuple[str, str, str, str, bool]]:
        """Every vote on an answer to a question: (question, its normalised key, the document
        voted on, client, helpful), oldest first. Votes without a client (no rate-limit
        identity) and votes on an article without a question are left out."""
        query = (select(QueryEventRow.query, QueryEventRow.query_norm, QueryEventRow.hits,
                        QueryEventRow.clicked_doc_id, QueryEventRow.client,
                        QueryEventRow.helpful)
                 .where(QueryEventRow.helpful.is_not(None), QueryEventRow.client != "",
                        QueryEventRow.query_norm != "")
                 .order_by(QueryEventRow.created_at))
        if since is not None:
            query = query.where(QueryEventRow.created_at >= since)
        out: list[tuple[str, str, str, str, bool]] = []
        with Session(self.store.engine) as s:
            for text, norm, hits, clicked, client, helpful in s.execute(query):
                doc = clicked or next((h.get("doc_id", "") for h in hits or []), "")
                if doc:
                    out.append((text, norm, doc, client, bool(helpful)))
        return out

    def popular_queries(self, prefix: str, *, limit: int = 8, min_clients: int = 5,
                        since: str | None = None, language: str | None = None,
                        max_chars: int = 60) -> list[tuple[str, int]]:
        """Past questions starting with ``prefix`` (any, when "") that got a confident public
        answer, with how many distinct clients asked each, most asked first.

        Only questions asked by ``min_clients`` different clients (``since``, an ISO time, when
        given) count: clients are what the rate limiter counts, so one visitor or script cannot
        plant a question, and events without a client never surface. Questions voted unhelpful
        and long texts (pasted messages rather than questions) are left out. This is only the
        popularity rule: what may be shown to other customers is decided by the caller
        (``kotae.suggest.deflection.typeahead``).
        """
        clients = func.count(func.distinct(QueryEventRow.client))
        query = (select(QueryEventRow.query_norm, func.min(QueryEventRow.query), clients)
                 .where(func.length(QueryEventRow.query_norm) <= max_chars,
                        QueryEventRow.client != "",
                        QueryEventRow.action == Action.ANSWER.value,
                        QueryEventRow.channel.in_([Channel.HELP.value, Channel.DEFLECT.value]),
                        QueryEventRow.helpful.is_not(False))
                 .group_by(QueryEventRow.query_norm)
                 .having(clients >= min_clients)
                 .order_by(clients.desc(), QueryEventRow.query_norm)
                 .limit(limit))
        key = query_key(prefix)
        if key:  # "" (the editors' review): every popular question
            query = query.where(QueryEventRow.query_norm.like(_like_prefix(key), escape="\\"))
        if language:
            query = query.where(QueryEventRow.language == language)
        if since:
            query = query.where(QueryEventRow.created_at >= since)
        with Session(self.store.engine) as s:
            return [(text.strip(), int(n)) for _norm, text, n in s.execute(query)]
