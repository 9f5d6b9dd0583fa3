"""Finishing the generated OpenAPI document for the clients that read it.

- Errors are documented under `application/problem+json` only, the media type they are sent
  with: FastAPI also lists a response `model` under `application/json`, which would tell a
  generated client that an error may come in either.
- Every operation's responses carry examples that are real answers of the API on the seeded
  dataset (`openapi_examples.json`, written by `python -m scripts.openapi_examples` and
  checked against the live answers by `tests/test_openapi.py`).
- Reads need no credentials, and each says so (`security: []`).
- The request headers a GET answers to are parameters: `If-None-Match` where a 304 may
  come, `Accept-Language` where `lang` may pick the language.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any, Final

from app.core.errors import PROBLEM_MEDIA_TYPE

EXAMPLES_FILE = Path(__file__).with_name("openapi_examples.json")
Examples = dict[str, dict[str, dict[str, Any]]]
"""operationId -> status -> media type -> example."""


@cache
def examples() -> Examples:
    loaded: Examples = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    return loaded


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


def _document_reads(operation: dict[str, Any]) -> None:
    operation["security"] = []
    parameters: list[dict[str, Any]] = operation.setdefault("parameters", [])
    names = {(p.get("in"), p.get("name")) for p in parameters}
    if "304" in operation.get("responses", {}) and ("header", "If-None-Match") not in names:
        parameters.append(IF_NONE_MATCH)
    if ("query", "lang") in names and ("header", "Accept-Language") not in names:
        parameters.append(ACCEPT_LANGUAGE)


def finish(document: dict[str, Any], known: Examples | None = None) -> dict[str, Any]:
    """`document` with problem responses under their own media type, examples added, and
    its reads documented as above."""
    known = examples() if known is None else known
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if method in ("get", "head"):
                _document_reads(operation)
            responses: dict[str, Any] = operation.get("responses", {})
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
