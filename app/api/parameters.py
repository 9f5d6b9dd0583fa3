"""Query and path parameters: parsed by the route from its parameter model, documented
from the same model.

FastAPI's own parsing of a query model costs more than the rest of a request served from
the snapshot, so the routes validate with the model directly (one pydantic call) and the
OpenAPI `parameters` are generated here from that model's JSON schema: one source for both.
"""

from collections import Counter
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from app.core.errors import LISTED_NAMES, BadRequest, FieldError, listed
from app.core.text import CONTROL

M = TypeVar("M", bound=BaseModel)


def parse_query(request: Request, model: type[M]) -> M:
    """The validated parameters; a repeated parameter or a control character is a 400, an
    unknown parameter a 400, an invalid value a 422 (through the validation handler)."""
    query = request.scope["query_string"]
    # As Starlette's `request.query_params` reads it, without building its multi-dict.
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True) if query else []
    for name, value in pairs:
        if CONTROL.search(name) or CONTROL.search(value):
            raise BadRequest(
                f"Query parameter {name[:40]!r} holds a control character.",
                errors=[FieldError(field=f"query.{name[:40]}", message="control character")],
            )
    if len(pairs) > len({name for name, _ in pairs}):
        repeated = sorted(name for name, count in Counter(n for n, _ in pairs).items() if count > 1)
        raise BadRequest(
            f"Query parameter(s) given more than once: {listed(repeated)}.",
            errors=[
                FieldError(field=f"query.{name[:40]}", message="repeated")
                for name in repeated[:LISTED_NAMES]
            ],
        )
    try:
        return model.model_validate(dict(pairs))
    except ValidationError as exc:
        errors = [{**error, "loc": ("query", *error["loc"])} for error in exc.errors()]
        raise RequestValidationError(errors) from None


def _plain(schema: dict[str, Any]) -> dict[str, Any]:
    """A property schema as a query parameter's: no `null` branch, no title."""
    options = schema.get("anyOf")
    if options:
        kept = [o for o in options if o.get("type") != "null"]
        if len(kept) == 1:
            merged = {k: v for k, v in schema.items() if k != "anyOf"}
            schema = {**kept[0], **merged}
    return {k: v for k, v in schema.items() if k not in ("title", "description", "examples")}


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    if "$defs" in schema:
        raise ValueError(f"{model.__name__}: query parameters must be plain values")
    parameters = []
    for name, info in model.model_fields.items():
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": info.is_required(),
            "schema": _plain(schema["properties"][name]),
        }
        if info.description:
            parameter["description"] = info.description
        if info.examples:
            example = info.examples[0]
            value = example.isoformat() if hasattr(example, "isoformat") else example
            parameter["schema"]["examples"] = [value]
        parameters.append(parameter)
    return parameters


def path_parameter(name: str, *, pattern: str, description: str, example: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": pattern, "maxLength": 80, "examples": [example]},
        "description": description,
    }


def openapi_parameters(*parameters: list[dict[str, Any]] | dict[str, Any]) -> dict[str, Any]:
    flat: list[dict[str, Any]] = []
    for parameter in parameters:
        flat += parameter if isinstance(parameter, list) else [parameter]
    return {"parameters": flat}
