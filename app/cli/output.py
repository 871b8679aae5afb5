"""What the commands print: ``--json`` output in the API's own shapes."""

from __future__ import annotations

import json
import sys

from pydantic import BaseModel


def print_json(shape: BaseModel) -> None:
    """``shape`` (an API response model) as indented JSON on stdout, Japanese unescaped."""
    data = shape.model_dump(mode="json")
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
