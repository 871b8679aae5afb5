"""``python -m kotae.app`` runs the kotae CLI."""

from kotae.app.cli import main

main()
