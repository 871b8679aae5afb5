"""The error answers the framework gives around the routes, declared once in the OpenAPI spec.

Routes declare their own answers (``responses=``). These come from around them, whatever the
route, and so are added here to every operation they apply to:

- 400 for a body that cannot be parsed (JSON not in UTF-8, a broken multipart form);
- 413 for a body over the size limit (``app.limits``);
- 422 as either shape a client meets: a route's own message (``{"detail": "..."}``) or FastAPI's
  list of the fields that failed validation (``{"detail": [{"loc": ..., "msg": ...}]}``).

Example:
    >>> app = FastAPI()
    >>> declare_framework_errors(app)  # app.openapi() now includes them
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import validation_error_definition

from kotae.app.api.schemas.common import ErrorOut

REF = "#/components/schemas/"
INVALID_OUT = {"title": "InvalidOut", "type": "object", "required": ["detail"], "properties": {
    "detail": {"title": "Detail", "anyOf": [
        {"type": "string", "description": "What the route found wrong."},
        {"type": "array", "items": {"$ref": REF + "ValidationError"},
         "description": "The fields that failed validation, and why."}]}}}
BODY_ERRORS = {"400": "The body could not be parsed (JSON not in UTF-8, a broken form).",
               "413": "The body is larger than this server accepts."}


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": REF + schema}}}


def add_framework_errors(spec: dict[str, Any]) -> dict[str, Any]:
    """Add the answers of the module docstring to ``spec`` (in place) and return it."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorOut", ErrorOut.model_json_schema())
    schemas.setdefault("ValidationError", validation_error_definition)
    schemas["InvalidOut"] = INVALID_OUT
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            if "requestBody" in operation:
                for status, description in BODY_ERRORS.items():
                    responses.setdefault(status, {"description": description,
                                                  "content": _json("ErrorOut")})
            if "requestBody" in operation or operation.get("parameters"):
                invalid = responses.setdefault("422", {"description": "Validation Error"})
                invalid.setdefault("content", {}).update(_json("InvalidOut"))
    return spec


def declare_framework_errors(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and so ``/openapi.json``) include the framework's answers."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_framework_errors(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
