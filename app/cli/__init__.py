"""The ``kotae`` command line (typer): ingest, search, serve, suggest, gaps, keys, models and
``kotae eval``."""

from kotae.app.cli.main import app, main

__all__ = ["app", "main"]
