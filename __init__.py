"""kotae (答え): a Japanese-first, also-English knowledge base and answer suggestions for
customer-support teams.

Everything imports under this one name: ``kotae.kb`` (domain types, the store, snapshots, the
audience rule, the settings), ``kotae.ingest``, ``kotae.models``, ``kotae.retrieval``,
``kotae.suggest``, ``kotae.eval`` and ``kotae.app`` (the HTTP API, the pages and the ``kotae``
command). Importing ``kotae`` is cheap: nothing heavy loads until it is used.

The Python API is one object per knowledge base:

    >>> import kotae
    >>> kb = kotae.open_kb("var/kb")                     # other settings from KOTAE_*
    >>> kb.ingest(["kb/sample_kb"])                      # load and publish the index
    >>> kb.search("パスワードを忘れた").hits[0].title    # hybrid search (as an agent)
    >>> kb.deflect("パスワードを忘れました").answer       # answer from public sources, or hand off
    >>> kb.suggest(kotae.TicketIn("請求書が届かない", "先月分です。")).draft.text
"""

__version__ = "0.1.0"

_LAZY = {
    "open_kb": "kotae.knowledge_base", "KnowledgeBase": "kotae.knowledge_base",
    "IngestOutcome": "kotae.knowledge_base", "IngestProgress": "kotae.knowledge_base",
    "KBSettings": "kotae.kb.settings", "Audience": "kotae.kb.audience",
    "TicketIn": "kotae.suggest",
}
__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> object:
    """The API loads on first use (``import kotae`` stays cheap)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kotae' has no attribute {name!r}")
