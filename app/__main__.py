"""``python -m app`` runs the kotae CLI."""

from app.cli import main

main()
