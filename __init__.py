"""kotae (答え): a Japanese-first, also-English knowledge base and answer suggestions for
customer-support teams.

Everything imports under this one name: ``kotae.kb`` (domain types, the store, snapshots),
``kotae.ingest``, ``kotae.models``, ``kotae.retrieval``, ``kotae.suggest``, ``kotae.eval`` and
``kotae.app`` (the HTTP API, the pages and the ``kotae`` command). Importing ``kotae`` is cheap:
nothing heavy loads until it is used.
"""

__version__ = "0.1.0"
