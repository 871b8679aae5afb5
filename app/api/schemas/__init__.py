"""The shapes of the HTTP API (and of the CLI's ``--json``), each defined once."""
