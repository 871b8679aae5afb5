"""The knowledge base: domain types, the SQL store and index snapshots.

``import kotae.kb`` needs neither torch nor faiss.
"""

from kotae.kb.audience import Audience, customer_may_read, may_read
from kotae.kb.errors import KBBusy, KBError, SnapshotCorrupt, SnapshotNotFound
from kotae.kb.normalise import normalise_query, normalise_text
from kotae.kb.querylog import Action, Channel, EventType, QueryEvent, QueryLog  # + its table
from kotae.kb.snapshot import SnapshotDir
from kotae.kb.store import KBStore, SyncCounts
from kotae.kb.types import Chunk, Document, Hit, Kind, Visibility, parse_enum, stable_hash

__all__ = [
    "Chunk", "Document", "Hit", "KBError", "KBStore", "Kind", "SnapshotCorrupt", "SnapshotDir",
    "SnapshotNotFound", "SyncCounts", "Visibility", "normalise_query", "normalise_text",
    "parse_enum", "stable_hash",
]
__all__ += ["Action", "Channel", "EventType", "QueryEvent", "QueryLog"]
__all__ += ["Audience", "KBBusy", "customer_may_read", "may_read"]
