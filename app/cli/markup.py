"""How every ``--help`` of the command line is rendered: Markdown, so a wrapped docstring
reads as one paragraph and ``kotae[ray]`` stays as written (Rich's markup took ``[ray]`` for a
style tag and dropped it)."""

from typing import Literal

HELP_MARKUP: Literal["markdown"] = "markdown"
