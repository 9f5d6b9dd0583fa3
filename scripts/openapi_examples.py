"""Writes `app/api/openapi_examples.json`: for every operation, the API's real answers on the
seeded dataset, which the OpenAPI document shows as response examples.

    python -m scripts.openapi_examples        # after changing a route or the seed data
    python -m scripts.openapi_accept          # the same, then `openapi/v1.json` too

Each operation is called the way its documentation says: path and required parameters at
their documented examples (and `limit=2` on lists) for the 200, then one request per error
status the operation declares, made the way a client would meet that error (401: a
malformed key; 429: an app whose client used its quota; 500: an app whose snapshot fails;
503: one not loaded yet). A declared client error no request
produces is reported, and the command fails: the document would promise something the API
never does. `tests/test_openapi.py`
calls `collect` again and compares.

A write operation (`POST`, `PATCH`, `DELETE`) gets its errors' examples the same way, with
keys made for the purpose; never its success, which would change the dataset the other
examples are answers of (a request that could succeed is never sent: each is refused
before the write step).

Values that change with every seeding (`VOLATILE`: timestamps, checksums, request ids)
keep their committed example wherever the answer they belong to is otherwise the same
(`keep_unchanged`), so regenerating after a one-record fix rewrites only what that fix
changed.
"""

import json
import logging
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.api.openapi_document import EXAMPLES_FILE, Examples
from app.core.config import Settings
from app.core.db import build_engine
from app.core.migrations import upgrade_to_head
from app.core.rate_limit import RateLimiter
from app.core.snapshot import Snapshot
from app.main import create_app
from seed.loader import load

MISSING_IDS = ("XX", "no-such-record", "no-such-file.csv", "999999999")
"""Ids that match an id pattern but name nothing (the first that fits the pattern is used)."""
CLIENT_ERRORS = frozenset({"400", "404", "406", "422"})
"""Errors a client's request causes: one declared and never produced is a false promise.
(500 and 503 depend on the server's state: their examples are added where an unloaded
or a failing snapshot produces them.)"""
VOLATILE = frozenset(
    {
        "updated_at",
        "sha256",
        "bytes",
        "build_ms",
        "day",
        "revision",
        "instance",
        "changed_at",
        "needs_review",
        "review_reasons",
    }
)
"""Keys whose values change with each seeding, or with the day the answer is built (a
record needs review once a date has passed): compared by presence only."""


Attempt = tuple[TestClient, str, dict[str, str], dict[str, str]]
WriteAttempt = tuple[TestClient, str, dict[str, str], dict[str, str], bytes]
"""A write's request: the client, URL, query, headers and body."""
WRITE_METHODS = ("post", "patch", "delete")
EXAMPLE_KEYS = {"write": "example-writer", "partner": "example-partner"}
"""Keys made in the examples' database, by scope: their names show in 403 answers."""


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


def _missing(operation: dict[str, Any], path: str) -> list[str]:
    """The path with an id that fits its pattern but names nothing."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            pattern = re.compile(parameter["schema"]["pattern"])
            missing = next(i for i in MISSING_IDS if pattern.match(i))
            return [path.replace("{" + parameter["name"] + "}", missing)]
    return []


def _invalid_values(operation: dict[str, Any]) -> list[dict[str, str]]:
    """Query values a client may get wrong, each a 422 where the parameter exists."""
    tries = [{"limit": "0"}] if _has(operation, "limit") else []
    for parameter in operation.get("parameters", []):
        schema, name = parameter["schema"], parameter["name"]
        if parameter["in"] != "query" or name == "limit":
            continue
        if schema.get("type") == "integer":
            tries.append({name: "ten"})
        elif schema.get("format") == "date":
            tries.append({name: "2021-02-30"})
        elif "enum" in schema:
            tries.append({name: "zz"})
    return tries


def _attempts(
    operation: dict[str, Any], template: str, clients: dict[str, TestClient]
) -> dict[str, list[Attempt]]:
    """For each status, the requests that should answer it, in order."""
    path, query = _request(operation, template)
    client = clients["seeded"]
    return {
        "200": [(client, path, query, {})],
        "400": [(client, path, {**query, "colour": "blue"}, {})],
        "404": [(client, url, query, {}) for url in _missing(operation, template)],
        "406": [(client, path, query, {"accept": "image/png"})],
        "422": [(client, path, {**query, **bad}, {}) for bad in _invalid_values(operation)],
        "401": [(client, path, query, {"authorization": "Bearer not-a-key"})],
        "429": [(clients["limited"], path, query, {})],
        "500": [(clients["broken"], path, query, {})],
        "503": [(clients["unloaded"], path, query, {})],
    }


def _write_attempts(
    method: str, operation: dict[str, Any], template: str, clients: dict[str, TestClient]
) -> dict[str, list[WriteAttempt]]:
    """For each error status of a write, a request that meets it before anything is
    written (see the module's docstring)."""
    client = clients["seeded"]
    keys: dict[str, str] = client.app.state.example_keys  # type: ignore[attr-defined]
    path, missing, query = template, template, {"summary": "an example"}
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            example = str(parameter["schema"]["examples"][0])
            path = template.replace("{" + parameter["name"] + "}", example)
            missing = _missing(operation, template)[0]
    content: dict[str, Any] = operation.get("requestBody", {}).get("content", {})
    media_type, media = next(iter(content.items()), ("application/json", dict[str, Any]()))
    body = json.dumps(media.get("example", {})).encode()
    writer = {"authorization": f"Bearer {keys['write']}", "content-type": media_type}
    partner = {**writer, "authorization": f"Bearer {keys['partner']}"}
    guarded = method != "post"
    anything = {**writer, "if-match": "*"} if guarded else writer
    stale = {**writer, "if-match": '"stale-0000"'}
    huge = b'{"x": "' + b"a" * (1 << 20) + b'"}'
    attempts: dict[str, list[WriteAttempt]] = {
        "400": [(client, path, {**query, "colour": "blue"}, anything, body)],
        "401": [(client, path, query, {"content-type": media_type}, body)],
        "403": [(client, path, query, partner, body)],
        "413": [(client, path, query, anything, huge)],
        "415": [(client, path, query, {**anything, "content-type": "text/plain"}, body)],
        "422": [(client, path, {}, anything, body)],
        "429": [(clients["limited"], path, query, {"content-type": media_type}, body)],
    }
    if method == "post":
        attempts["409"] = [(client, path, query, writer, body)]  # the example exists
    if guarded:
        attempts["404"] = [(client, missing, query, anything, body)]
        attempts["412"] = [(client, path, query, stale, body)]
        attempts["428"] = [(client, path, query, writer, body)]
    return attempts


def _body(response: Any) -> tuple[str, Any]:
    media_type = str(response.headers["content-type"]).split(";")[0]
    return media_type, response.json() if "json" in media_type else response.text


def collect(clients: dict[str, TestClient]) -> tuple[Examples, list[str]]:
    """Every operation's example answers, and the declared client errors (`CLIENT_ERRORS`)
    no request produced.

    `clients`: `seeded` (the dataset loaded), `unloaded` (an app whose dataset is not
    loaded yet, for the 503), `broken` (an app whose snapshot fails, for the 500) and
    `limited` (an app whose client used its quota, for the 429)."""
    document = clients["seeded"].get("/openapi.json").json()
    found: Examples = {}
    missing: list[str] = []
    for template, item in document["paths"].items():
        for method, operation in item.items():
            if method in WRITE_METHODS:
                found[operation["operationId"]] = _write_examples(
                    method, operation, template, clients
                )
                continue
            attempts = _attempts(operation, template, clients)
            answers: dict[str, dict[str, Any]] = {}
            for status in operation["responses"]:
                if status not in attempts:
                    continue  # 304, and statuses no GET can meet
                for http, url, params, headers in attempts[status]:
                    response = http.get(url, params=params, headers=headers)
                    if str(response.status_code) == status:
                        media_type, body = _body(response)
                        if status != "200" or media_type == "application/json":
                            answers[status] = {media_type: body}
                        break
                else:
                    if status in CLIENT_ERRORS:
                        missing.append(f"{operation['operationId']} {status}")
            found[operation["operationId"]] = answers
    return found, missing


def _write_examples(
    method: str, operation: dict[str, Any], template: str, clients: dict[str, TestClient]
) -> dict[str, dict[str, Any]]:
    answers: dict[str, dict[str, Any]] = {}
    attempts = _write_attempts(method, operation, template, clients)
    for status in operation["responses"]:
        for http, url, params, headers, body in attempts.get(status, []):
            response = http.request(
                method.upper(), url, params=params, headers=headers, content=body
            )
            if str(response.status_code) == status:
                media_type, answer = _body(response)
                answers[status] = {media_type: answer}
                break
    return answers


def normalized(value: Any) -> Any:
    """`value` with the volatile keys' values blanked (see `VOLATILE`)."""
    if isinstance(value, dict):
        return {k: "..." if k in VOLATILE else normalized(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalized(v) for v in value]
    return value


def keep_unchanged(old: Any, new: Any) -> Any:
    """`new`, keeping `old` wherever the two differ only in volatile values.

    An object or list that shows the same thing keeps its committed form whole; one that
    changed is compared member by member, so a changed record gets its new values (its new
    `updated_at` included) while its unchanged neighbours keep theirs."""
    if normalized(old) == normalized(new):
        return old
    if isinstance(old, dict) and isinstance(new, dict):
        return {k: keep_unchanged(old[k], v) if k in old else v for k, v in new.items()}
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [keep_unchanged(o, n) for o, n in zip(old, new, strict=True)]
    return new


class _BrokenSnapshot:
    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("a snapshot that fails on purpose")


@contextmanager
def example_clients(settings: Settings) -> Iterator[dict[str, TestClient]]:
    """Clients of an app on `settings`' (seeded) database, of one whose dataset is not
    loaded yet, and of one whose snapshot fails."""
    engine = build_engine(settings)
    try:
        keys = _example_keys(engine)
        with TestClient(create_app(settings, engine=engine)) as seeded:
            seeded.app.state.example_keys = keys  # type: ignore[attr-defined]
            unloaded = create_app(settings, engine=engine)
            unloaded.state.maintainer = None  # started, still loading: no lifespan run
            broken = create_app(settings, engine=engine)
            broken.state.read_model.current = cast(Snapshot, _BrokenSnapshot())
            yield {
                "seeded": seeded,
                "unloaded": TestClient(unloaded),
                "broken": TestClient(broken, raise_server_exceptions=False),
                "limited": TestClient(_over_quota(settings, engine)),
            }
    finally:
        engine.dispose()


def _example_keys(engine: Engine) -> dict[str, str]:
    """A `write` and a `partner` key of fixed names, made afresh (their names are in the
    examples; an earlier run's keys of those names are removed first)."""
    from sqlalchemy import delete
    from sqlmodel import Session, col

    from app.models import ApiKey
    from app.models.base import utc_now
    from app.services.api_keys import create_key

    with Session(engine) as session:
        session.execute(delete(ApiKey).where(col(ApiKey.name).in_(EXAMPLE_KEYS.values())))
        session.commit()
    return {
        scope: create_key(engine, name=name, scope=scope, expires_at=None, now=utc_now()).key
        for scope, name in EXAMPLE_KEYS.items()
    }


def _over_quota(settings: Settings, engine: Engine) -> FastAPI:
    """An app whose test client used its whole anonymous quota (the default), half-way
    through a window that does not move (its clock is stopped), so its 429s are the same
    from run to run."""
    app = create_app(settings.model_copy(update={"rate_limits": True}), engine=engine)
    limiter: RateLimiter = app.state.rate_limiter
    window = limiter.anonymous.window
    stopped = (time.time() // window + 0.5) * window
    limiter.clock = lambda: stopped
    while limiter.admit(limiter.anonymous, "testclient"):
        pass
    return app


def main() -> None:
    logging.disable(logging.ERROR)  # the 500 examples log their (deliberate) failures
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=f"sqlite:///{Path(folder) / 'examples.db'}", access_log=False
        )
        engine = build_engine(settings)
        upgrade_to_head(engine)
        load(engine)
        engine.dispose()
        with example_clients(settings) as clients:
            found, missing = collect(clients)
    old = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8")) if EXAMPLES_FILE.exists() else None
    kept = found if old is None else keep_unchanged(old, found)
    if kept == old:
        print(f"{EXAMPLES_FILE} is current (only timestamps and checksums differ)", file=sys.stderr)
    else:
        text = json.dumps(kept, ensure_ascii=False, indent=1) + "\n"
        EXAMPLES_FILE.write_text(text, encoding="utf-8")
        print(f"wrote {EXAMPLES_FILE} ({len(text.encode())} bytes)", file=sys.stderr)
    if missing:
        print(
            "no request produced these declared statuses (declare only what occurs): "
            + ", ".join(missing),
            file=sys.stderr,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
