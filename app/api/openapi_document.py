"""Finishing the generated OpenAPI document for the clients that read it.

- Errors are documented under `application/problem+json` only, the media type they are sent
  with: FastAPI also lists a response `model` under `application/json`, which would tell a
  generated client that an error may come in either.
- Every operation's responses carry examples that are real answers of the API on the seeded
  dataset (`openapi_examples.json`, written by `python -m scripts.openapi_examples` and
  checked against the live answers by `tests/test_openapi.py`).
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

from app.core.errors import PROBLEM_MEDIA_TYPE

EXAMPLES_FILE = Path(__file__).with_name("openapi_examples.json")
Examples = dict[str, dict[str, dict[str, Any]]]
"""operationId -> status -> media type -> example."""


@cache
def examples() -> Examples:
    loaded: Examples = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    return loaded


def finish(document: dict[str, Any], known: Examples | None = None) -> dict[str, Any]:
    """`document` with problem responses under their own media type and examples added."""
    known = examples() if known is None else known
    for item in document.get("paths", {}).values():
        for operation in item.values():
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
