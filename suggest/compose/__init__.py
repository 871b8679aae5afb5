"""Composing what a person reads from sources: sentences of the sources as candidates, the
lists and tables they belong to (``pool``), choosing them (``select``) and the short answer of
a deflection (``answer``)."""
