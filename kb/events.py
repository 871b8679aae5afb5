"""The events of the query log: their vocabularies, their table and their value type.

One row per event (a search on the help page, a deflection request, an article vote, a contact
form). Clicks and votes update the event they follow (see ``kb.querylog.QueryLog``), so the
FAQ-gap report reads one row per question with what happened to it.

Example:
    >>> QueryEvent(channel="help", event="search", query="請求書").action
    <Action.NONE: 'none'>
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kotae.kb.normalise import normalise_query
from kotae.kb.store import Base


class Channel(StrEnum):
    HELP = "help"  # the help-center page
    DEFLECT = "deflect"  # POST /v1/deflect (chatbot, contact form)
    API = "api"  # other API callers


class EventType(StrEnum):
    SEARCH = "search"
    DEFLECT = "deflect"
    ARTICLE = "article"  # an article opened without a logged search before it
    CONTACT = "contact"  # the contact form was sent (a hand-off to a person)


class Action(StrEnum):
    ANSWER = "answer"  # kotae was confident enough to answer on its own
    HANDOFF = "handoff"  # a person has to answer
    NONE = "none"  # results were shown, nothing was decided


class QueryEventRow(Base):
    __tablename__ = "query_events"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[str] = mapped_column(String(40), index=True)
    updated_at: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(16), index=True)
    event: Mapped[str] = mapped_column(String(16))
    session_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    # Who asked, as the rate limiter counts callers (an address or a key), kept only as a keyed
    # hash: popular questions count distinct clients, which a cookie-less script cannot fake.
    client: Mapped[str] = mapped_column(String(32), default="", server_default="", index=True)
    parent_id: Mapped[str] = mapped_column(String(32), default="")
    query: Mapped[str] = mapped_column(Text, default="")
    query_norm: Mapped[str] = mapped_column(Text, default="", index=True)
    language: Mapped[str] = mapped_column(String(8), default="")
    hits: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    action: Mapped[str] = mapped_column(String(16), default=Action.NONE.value, index=True)
    helpful: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    clicked_doc_id: Mapped[str] = mapped_column(String(32), default="")
    outcome: Mapped[str] = mapped_column(String(16), default="")
    via: Mapped[str] = mapped_column(String(32), default="")
    ticket: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


def query_key(text: str) -> str:
    """The form under which repeated questions are counted together.

    >>> query_key("  Reset my password? ") == query_key("reset my password")
    True
    """
    return normalise_query(text).strip(" ?？!！。.、,").lower()


@dataclass
class QueryEvent:
    """One logged event. ``hits`` are ``{"doc_id", "title", "score"}`` dicts, best first;
    ``via`` is the caller's own name for where the question came from (``chatbot``,
    ``contact-form``...); ``ticket`` the pre-filled or sent ticket of a hand-off; ``client``
    the keyed hash of who asked (see ``QueryEventRow.client``)."""

    channel: Channel
    event: EventType
    query: str = ""
    language: str = ""
    session_id: str = ""
    hits: list[dict[str, Any]] = field(default_factory=list)
    confidence: float | None = None
    action: Action = Action.NONE
    helpful: bool | None = None
    clicked_doc_id: str = ""
    outcome: str = ""
    parent_id: str = ""
    via: str = ""
    ticket: dict[str, Any] | None = None
    client: str = ""
    id: str = ""
    created_at: str = ""
    updated_at: str = ""

    def __post_init__(self) -> None:
        self.channel, self.event = Channel(self.channel), EventType(self.event)
        self.action = Action(self.action)
        if len(self.session_id) > 64 or len(self.via) > 32 or len(self.client) > 32:
            raise ValueError("session id (at most 64 characters), via or client (at most 32) "
                             "too long")

    @classmethod
    def from_row(cls, row: QueryEventRow) -> QueryEvent:
        return cls(
            channel=Channel(row.channel), event=EventType(row.event), query=row.query,
            language=row.language, session_id=row.session_id, hits=list(row.hits or []),
            confidence=row.confidence, action=Action(row.action), helpful=row.helpful,
            clicked_doc_id=row.clicked_doc_id, outcome=row.outcome, parent_id=row.parent_id,
            via=row.via, ticket=dict(row.ticket) if row.ticket else None, client=row.client,
            id=row.id,
            created_at=row.created_at, updated_at=row.updated_at)
