"""Writes `app/api/openapi_examples.json`: for every operation, the API's real answers on the
seeded dataset, which the OpenAPI document shows as response examples.

    python -m scripts.openapi_examples        # after changing a route or the seed data

Each operation is called the way its documentation says: path and required parameters at
their documented examples (and `limit=2` on lists) for the 200, then one request per error
status the operation declares, made the way a client would meet that error. A declared
status that cannot be produced is an error: the document would promise something the API
never does. `tests/test_openapi.py` calls `collect` again and compares.
"""

import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.api.openapi_document import EXAMPLES_FILE, Examples
from app.core.config import Settings
from app.core.db import build_engine
from app.core.migrations import upgrade_to_head
from app.main import create_app
from seed.loader import load

MISSING_IDS = ("XX", "no-such-record", "no-such-file.csv")
"""Ids that match an id pattern but name nothing (the first that fits the pattern is used)."""
VOLATILE = frozenset({"updated_at", "sha256", "bytes"})
"""Keys whose values change with each seeding: compared by presence only."""


def _request(operation: dict[str, Any], path: str) -> tuple[str, dict[str, str]]:
    """The documented request: path and required parameters at their examples."""
    query: dict[str, str] = {}
    for parameter in operation.get("parameters", []):
        example = str(parameter["schema"]["examples"][0])
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", example)
        elif parameter["required"]:
            query[parameter["name"]] = example
    if _has(operation, "limit"):
        query["limit"] = "2"
    return path, query


def _has(operation: dict[str, Any], name: str) -> bool:
    return any(p["name"] == name for p in operation.get("parameters", []))


def _missing(operation: dict[str, Any], path: str) -> str | None:
    import re

    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            pattern = re.compile(parameter["schema"]["pattern"])
            missing = next(i for i in MISSING_IDS if pattern.match(i))
            return path.replace("{" + parameter["name"] + "}", missing)
    return None


def _body(response: Any) -> Any:
    media_type = response.headers["content-type"].split(";")[0]
    return media_type, response.json() if "json" in media_type else response.text


def collect(client: TestClient, unloaded: TestClient) -> Examples:
    """Every operation's example answers, from `client` (seeded) and `unloaded` (an app
    whose dataset is not loaded yet, for the 503)."""
    document = client.get("/openapi.json").json()
    found: Examples = {}
    problems: list[str] = []
    for template, item in document["paths"].items():
        if not template.startswith("/v1/"):
            continue
        for operation in item.values():
            declared = set(operation["responses"]) - {"304", "500"}
            path, query = _request(operation, template)
            attempts: dict[str, tuple[TestClient, str | None, dict[str, str], dict[str, str]]] = {
                "200": (client, path, query, {}),
                "400": (client, path, {**query, "colour": "blue"}, {}),
                "404": (client, _missing(operation, template), query, {}),
                "406": (client, path, query, {"accept": "image/png"}),
                "422": (
                    client,
                    path,
                    {**query, "limit": "0"}
                    if _has(operation, "limit")
                    else {**query, "lang": "xx"},
                    {},
                ),
                "503": (unloaded, path, query, {}),
            }
            answers: dict[str, dict[str, Any]] = {}
            for status in sorted(declared):
                http, url, params, headers = attempts[status]
                response = http.get(url, params=params, headers=headers) if url else None
                if response is None or str(response.status_code) != status:
                    got = response.status_code if response is not None else "no request"
                    problems.append(f"{operation['operationId']} {status}: got {got}")
                    continue
                media_type, body = _body(response)
                if status != "200" or media_type == "application/json":
                    answers[status] = {media_type: body}
            found[operation["operationId"]] = answers
    if problems:
        raise AssertionError("declared but not produced: " + "; ".join(problems))
    return found


def normalized(value: Any) -> Any:
    """`value` with the volatile keys' values blanked (see `VOLATILE`)."""
    if isinstance(value, dict):
        return {k: "..." if k in VOLATILE else normalized(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalized(v) for v in value]
    return value


@contextmanager
def example_clients(settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    """A client of an app on `settings`' database and one of an app that never starts."""
    engine = build_engine(settings)
    try:
        with TestClient(create_app(settings, engine=engine)) as client:
            yield client, TestClient(create_app(settings, engine=engine))
    finally:
        engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{Path(folder) / 'examples.db'}")
        engine = build_engine(settings)
        upgrade_to_head(engine)
        load(engine)
        engine.dispose()
        with example_clients(settings) as (client, unloaded):
            found = collect(client, unloaded)
    text = json.dumps(found, ensure_ascii=False, indent=1) + "\n"
    EXAMPLES_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {EXAMPLES_FILE} ({len(text.encode())} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
