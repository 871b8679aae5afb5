"""One ticket from one exported record: its thread, its resolution, and no personal data.

Helpdesk exports give a ticket as a thread of messages. Customer messages and agent replies are
kept apart: the customer's public messages become the ticket's ``body``, the last public agent
reply its ``answer`` (the resolution), and the public thread goes into ``meta["thread"]``.
Internal notes are counted, never kept. Every text, the subject and every kept metadata value
is redacted (``ingest.redact``) here, before the document exists, so the original never
reaches the store, the embedder or an index.

Example:
    >>> record = {"id": "T-1", "subject": "ログインできない", "messages": [
    ...     {"from": "customer", "text": "山田と申します。090-1234-5678 に電話ください。"},
    ...     {"from": "agent", "text": "山田様、再設定をご案内します。"}]}
    >>> doc = ticket_from_record("t.jsonl", record, Defaults())
    >>> doc.body, doc.answer
    ('[氏名]と申します。[電話番号] に電話ください。', '[氏名]様、再設定をご案内します。')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kotae.ingest.loaders.common import Defaults, clean, parse_language, parse_visibility
from kotae.kb import Document, Kind, Visibility
from kotae.kb.redact import redact_text

# Fields used for the document itself, not copied into meta.
_USED = {"id", "subject", "body", "reply", "category", "language", "visibility", "product",
         "url", "created_at", "updated_at", "messages", "comments", "conversations",
         "description", "description_text", "raw_subject"}
# Metadata keys that hold personal data: dropped, not redacted.
_PII_KEY_PARTS = ("mail", "phone", "tel", "name", "address", "requester", "submitter",
                  "customer", "contact", "author", "assignee", "user", "cc", "ip", "住所", "電話",
                  "氏名", "名前", "メール", "連絡先")
_CUSTOMER_ROLES = {"customer", "end-user", "end_user", "requester", "user", "contact"}


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    from_customer: bool
    public: bool = True
    created_at: str = ""


def _truthy(value: object, default: bool = True) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() not in {"false", "0", "no", "private", "internal", ""}
    return bool(value)


def messages_from_record(record: Mapping[str, Any],
                         users: Mapping[str, Mapping[str, Any]] | None = None) -> list[Message]:
    """The thread of a record: Zendesk ``comments``, Freshdesk ``conversations`` or generic
    ``messages`` (``from``/``role``: customer or agent); else ``body`` then ``reply``."""
    users = users or {}
    requester = str(record.get("requester_id", ""))
    out: list[Message] = []
    for c in record.get("comments") or []:  # Zendesk
        author = str(c.get("author_id", ""))
        role = str(users.get(author, {}).get("role", "")).lower()
        customer = author == requester if requester else role in _CUSTOMER_ROLES
        out.append(Message(str(c.get("plain_body") or c.get("body") or ""), customer,
                           _truthy(c.get("public")), str(c.get("created_at") or "")))
    for c in record.get("conversations") or []:  # Freshdesk API
        out.append(Message(str(c.get("body_text") or c.get("body") or ""),
                           _truthy(c.get("incoming"), False), not _truthy(c.get("private"), False),
                           str(c.get("created_at") or "")))
    for m in record.get("messages") or []:  # generic
        role = str(m.get("from") or m.get("role") or "").lower()
        out.append(Message(str(m.get("text") or m.get("body") or ""), role in _CUSTOMER_ROLES,
                           _truthy(m.get("public")), str(m.get("created_at") or "")))
    if out:
        return out
    body = record.get("body") or record.get("description_text") or record.get("description")
    if body:
        out.append(Message(str(body), True))
    if record.get("reply"):
        out.append(Message(str(record["reply"]), False))
    return out


def known_names(record: Mapping[str, Any], users: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Customer names an export states outright (requester, contact, mapped name column)."""
    names = [record.get(k) for k in ("customer_name", "requester_name", "name", "full_name")]
    for key in ("requester", "contact", "customer"):
        if isinstance(record.get(key), Mapping):
            names.append(record[key].get("name"))
    requester = users.get(str(record.get("requester_id", "")))
    if requester:
        names.append(requester.get("name"))
    names += [u.get("name") for u in users.values()
              if str(u.get("role", "")).lower() in _CUSTOMER_ROLES]
    return [clean(n) for n in names if isinstance(n, str) and n.strip()]


def redact_meta(value: Any, names: Iterable[str]) -> Any:
    """Metadata without personal data: PII keys dropped, every string redacted."""
    if isinstance(value, Mapping):
        return {str(k): redact_meta(v, names) for k, v in value.items()
                if not any(part in str(k).lower() for part in _PII_KEY_PARTS)}
    if isinstance(value, list):
        return [redact_meta(v, names) for v in value]
    if isinstance(value, str):
        return redact_text(clean(value), names)
    return value


def ticket_from_record(source: str, record: Mapping[str, Any], defaults: Defaults,
                       users: Mapping[str, Mapping[str, Any]] | None = None) -> Document:
    """A redacted ticket document; ``ValueError`` names what is wrong with the record."""
    users = users or {}
    key = clean(record.get("id"))
    names = known_names(record, users)
    thread = [Message(redact_text(clean(m.text), names), m.from_customer, m.public, m.created_at)
              for m in messages_from_record(record, users)]
    public = [m for m in thread if m.public and m.text]
    subject = redact_text(clean(record.get("subject") or record.get("raw_subject")), names)
    body = "\n\n".join(m.text for m in public if m.from_customer)
    if not key or not (subject or body):
        raise ValueError("ticket needs an id and a subject or body")
    replies = [m.text for m in public if not m.from_customer]
    visibility = parse_visibility(record.get("visibility"), defaults, Visibility.INTERNAL)
    language = parse_language(record.get("language"), f"{subject}\n{body}")
    meta = redact_meta({k: v for k, v in record.items() if k not in _USED}, names)
    meta["ticket_id"] = key
    created = clean(record.get("created_at"))
    meta["created_at"] = created
    if len(thread) > 2 or any(not m.public for m in thread):
        meta["thread"] = [{"role": "customer" if m.from_customer else "agent", "text": m.text,
                           "created_at": m.created_at} for m in public]
        meta["internal_notes"] = sum(not m.public for m in thread)
    return Document.create(
        source=source, key=key, kind=Kind.TICKET, title=subject or body[:60], body=body,
        answer=replies[-1] if replies else "", language=language, visibility=visibility,
        product=clean(record.get("product")) or defaults.product, url=clean(record.get("url")),
        category=clean(record.get("category")),
        updated_at=clean(record.get("updated_at")) or created, meta=meta,
    )
