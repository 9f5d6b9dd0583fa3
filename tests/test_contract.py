"""Contract test: the served API honours its own OpenAPI document (Schemathesis).

Every operation of the document becomes its own test item, run on each test backend
(SQLite, and PostgreSQL when `CICA_TEST_POSTGRES_URL` is set) against the app in-process
over ASGI, through three Schemathesis phases:

* examples: the `example`/`examples` values the document declares;
* coverage: deterministic boundary values, values just outside the schema (wrong type,
  out of range, too long, not in the enum, not matching the pattern or format), unknown
  query parameters, missing required ones, and methods the document does not list for
  the path (DELETE, OPTIONS, PATCH, POST, PUT, QUERY, TRACE: 405 with `Allow` expected);
* fuzzing: Hypothesis-generated requests, positive (valid per the document) and negative
  (violating it), at most `MAX_EXAMPLES` per operation.

Every response goes through every built-in check, as the CLI's `--checks all` does:
not_a_server_error, status_code_conformance, content_type_conformance,
response_headers_conformance, response_schema_conformance (formats included),
positive_data_acceptance, negative_data_rejection, missing_required_header,
unsupported_method and allow_header_conformance, plus the stateful and auth checks, which
find nothing to do on a read-only API without security schemes. Response time is not
checked (`max_response_time` needs a limit; the load tests own latency).

Bounds: generation is seeded and derandomized, so every run sends the same requests and a
failure reproduces; there is no Hypothesis deadline, no example database, and the `too_slow`
health check (generation speed on a busy machine) is off. `MAX_EXAMPLES` caps fuzzing only.
The coverage phase is finite (150-220 requests per list operation, about 45 per record) and
its cases are built at collection time, once per session whatever the number of backends.
With bounded parameter patterns that takes a few seconds, and the run about 25 s per backend
on two cores; a pattern with unbounded repetition (`(?:,name)*`) under a `maxLength` costs
Schemathesis seconds per distinct parameter to build its longest match.

The document is built by the app factory at collection time (no database needed), and
`test_contract_document_is_the_served_one` pins it to what `/openapi.json` serves.
`schemathesis.pytest.from_fixture` would load it lazily from the app fixture instead, but
in Schemathesis 4.32 it reads `request.node._nodeid`, which pytest 9.2 no longer has.

The app under test is built the way `tests/conftest.py` builds it, once per backend.
Schemathesis' ASGI transport runs its lifespan: started by the first request of each
operation's test, shut down by the Schemathesis pytest plugin when that test ends.
"""

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.python.asgi import shutdown_lifespans
from sqlalchemy import Engine

from app.core.config import Settings
from app.main import create_app

SEED = 20240615
MAX_EXAMPLES = 25

# The `schemathesis.toml` format, validated by `Config.from_dict`.
CONFIG: dict[str, Any] = {
    "seed": SEED,
    "suppress-health-check": ["too_slow"],
    "generation": {
        "mode": "all",
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        "database": "none",
    },
    "phases": {
        "examples": {"enabled": True},
        "coverage": {"enabled": True},
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": False},
    },
    "checks": {"enabled": True},
}

# Nothing connects to this database: building the document needs no lifespan.
DOCUMENT: dict[str, Any] = create_app(
    Settings(database_url="sqlite://", public_url="http://api.test")
).openapi()

# The write operations are run with a write key, on a scratch database of their own, by
# tests/writes/test_write_contract.py; without a key each is a 401 (tests/writes/).
schema = schemathesis.openapi.from_dict(
    copy.deepcopy(DOCUMENT), config=schemathesis.Config.from_dict(CONFIG)
).exclude(method=["POST", "PATCH", "DELETE"])


@pytest.fixture(scope="module")
def contract_app(seeded_engine: Engine) -> Iterator[FastAPI]:
    """One app per backend; module-scoped because Hypothesis rejects function-scoped fixtures.

    The data does not change during the module, so the app does not poll for new versions;
    its lifespans (Schemathesis starts one per operation) are all stopped when the module
    ends, so no poller outlives it into other tests."""
    settings = Settings(database_url=str(seeded_engine.url), version_poll_seconds=3600)
    yield create_app(settings, engine=seeded_engine)
    shutdown_lifespans()


def test_contract_document_is_the_served_one(client: TestClient) -> None:
    served = client.get("/openapi.json")
    assert served.status_code == 200
    assert served.json() == json.loads(json.dumps(DOCUMENT))


@schema.parametrize()
def test_operation_honours_the_document(
    case: schemathesis.Case[Any], contract_app: FastAPI
) -> None:
    case.call_and_validate(app=contract_app)
