"""Who may read what: the one rule every search, answer, page and export goes through.

Customers (the help center, deflection, any caller without a key) read public articles and
public FAQ entries only: never an internal document, never a past ticket, whatever it is marked.
Agents (support staff) read everything. This is kotae's main security guarantee, so it is
written here once; retrieval builds its pre-top-k filter from it and every public path checks
what it shows with ``may_read``.

Example:
    >>> may_read(Audience.PUBLIC, Kind.TICKET, Visibility.PUBLIC)
    False
    >>> may_read(Audience.AGENT, Kind.TICKET, Visibility.INTERNAL)
    True
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from kotae.kb.types import Kind, Visibility


class Audience(StrEnum):
    PUBLIC = "public"  # customers, chatbots: public articles and FAQ only
    AGENT = "agent"  # support staff: everything, internal articles and past tickets included


# What a public reader may see, as sets a filter can intersect with.
PUBLIC_KINDS = frozenset(Kind) - {Kind.TICKET}
PUBLIC_VISIBILITIES = frozenset({Visibility.PUBLIC})


class Readable(Protocol):
    """Anything with a kind and a visibility: a ``Document``, a ``Hit``."""

    @property
    def kind(self) -> Kind: ...

    @property
    def visibility(self) -> Visibility: ...


def may_read(audience: Audience, kind: Kind, visibility: Visibility) -> bool:
    """Whether ``audience`` may read a document of this kind and visibility."""
    if audience is Audience.AGENT:
        return True
    return kind in PUBLIC_KINDS and visibility in PUBLIC_VISIBILITIES


def customer_may_read(item: Readable) -> bool:
    """``may_read`` for a customer, of a document or a hit."""
    return may_read(Audience.PUBLIC, item.kind, item.visibility)
