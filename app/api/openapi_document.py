"""Finishing the generated OpenAPI document for the clients that read it.

- Errors are documented under `application/problem+json` only, the media type they are sent
  with: FastAPI also lists a response `model` under `application/json`, which would tell a
  generated client that an error may come in either.
- A bearer security scheme (`bearerAuth`: the API keys of `cica-api keys create`) is in the
  components; every operation but the probes documents the 401 of a key that is not valid
  and the 429 of the rate limits, with their headers (`app.core.caller`).
- Every operation's responses carry examples that are real answers of the API on the seeded
  dataset (`openapi_examples.json`, written by `python -m scripts.openapi_examples` and
  checked against the live answers by `tests/test_openapi.py`).
- Reads need no credentials, and each says so: `security: []` on the probes, a key or none
  (`[{}, {"bearerAuth": []}]`) on every other read.
- The request headers a GET answers to are parameters: `If-None-Match` where a 304 may
  come, `Accept-Language` where `lang` may pick the language.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any, Final

from app.api.security import SCHEME as SCHEME_NAME
from app.core.caller import EXEMPT
from app.core.errors import ERROR_DESCRIPTIONS, PROBLEM_MEDIA_TYPE, RATE_LIMIT_HEADERS

EXAMPLES_FILE = Path(__file__).with_name("openapi_examples.json")
Examples = dict[str, dict[str, dict[str, Any]]]
"""operationId -> status -> media type -> example."""


@cache
def examples() -> Examples:
    loaded: Examples = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    return loaded


SECURITY_SCHEME: dict[str, Any] = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "cica_<public id>_<secret>",
    "description": "An API key made by `cica-api keys create`, sent as `Authorization: Bearer "
    "cica_...`. Reads need none; a `partner` key names the caller and lifts its rate limit, "
    "a `write` key may also write. A key that is sent must be valid (else 401); responses to "
    "a request with a key carry `Cache-Control: no-store` and its `RateLimit` headers.",
}
KEYED_HEADERS = {
    name: {**header, "description": header["description"] + " Only on a request with a key."}
    for name, header in RATE_LIMIT_HEADERS.items()
    if name != "Retry-After"
}


def _problem(status: int, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "description": ERROR_DESCRIPTIONS[status],
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        **({"headers": headers} if headers else {}),
    }


def _add_key_and_rate_limit_responses(path: str, responses: dict[str, Any]) -> None:
    if path in EXEMPT:
        return
    responses.setdefault("401", _problem(401, {"WWW-Authenticate": _www_authenticate()}))
    responses.setdefault("429", _problem(429, RATE_LIMIT_HEADERS))
    for status, response in responses.items():
        if status.startswith("2"):
            response["headers"] = {**response.get("headers", {}), **KEYED_HEADERS}


def _www_authenticate() -> dict[str, Any]:
    return {
        "description": '`Bearer realm="cica"`, with `error="invalid_token"` for a key '
        "that is not valid (RFC 6750).",
        "schema": {"type": "string"},
    }


IF_NONE_MATCH: Final = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The `ETag` of the copy you hold (or several, comma-separated): a 304 "
    "with no body answers if it is still current (a value over 4 KB never matches).",
    "schema": {"type": "string", "examples": ['"v3-4f1c2e9a7b"']},
}
ACCEPT_LANGUAGE: Final = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "description": "Language of `name` fields when `lang` is not given: `en` or `ru` "
    "(others fall back to English).",
    "schema": {"type": "string", "examples": ["ru, en;q=0.5"]},
}


def _document_reads(path: str, operation: dict[str, Any]) -> None:
    """A read needs no credentials: the probes take none (`security: []`), every other
    read takes a key or none (`[{}, {"bearerAuth": []}]`: a partner's key lifts its rate
    limit). And the request headers it answers to are parameters."""
    if "security" not in operation:
        operation["security"] = [] if path in EXEMPT else [{}, {SCHEME_NAME: []}]
    parameters: list[dict[str, Any]] = operation.setdefault("parameters", [])
    names = {(p.get("in"), p.get("name")) for p in parameters}
    if "304" in operation.get("responses", {}) and ("header", "If-None-Match") not in names:
        parameters.append(IF_NONE_MATCH)
    if ("query", "lang") in names and ("header", "Accept-Language") not in names:
        parameters.append(ACCEPT_LANGUAGE)


def finish(document: dict[str, Any], known: Examples | None = None) -> dict[str, Any]:
    """`document` with problem responses under their own media type, the key and rate-limit
    responses, and examples added."""
    known = examples() if known is None else known
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SCHEME_NAME] = SECURITY_SCHEME
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in ("get", "head"):
                _document_reads(path, operation)
            responses: dict[str, Any] = operation.get("responses", {})
            _add_key_and_rate_limit_responses(path, responses)
            for status, response in responses.items():
                content = response.get("content", {})
                if PROBLEM_MEDIA_TYPE in content:
                    content.pop("application/json", None)
                for media_type, example in (
                    known.get(operation["operationId"], {}).get(status, {}).items()
                ):
                    if media_type in content:
                        content[media_type]["example"] = example
    return document
