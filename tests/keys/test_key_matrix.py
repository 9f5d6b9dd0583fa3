"""Which key may do what: the 401/401/401/401/403/2xx matrix on a route that needs a `write`
key, a key sent with a read, and how a valid key names its caller in logs and metrics.

The write routes come later; `WriteKey` is what they will declare, so this app gets a
test-only route that declares it and nothing else.
"""

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from app.api.security import WriteKey
from app.core import logging as app_logging
from tests.api.helpers import assert_problem
from tests.keys.conftest import MadeKey, make_key
from tests.support.apps import app_on

WRITE_ROUTE = "/v1/_test/writes"


def app_with_write_route(engine: Engine, **settings: Any) -> FastAPI:
    app = app_on(engine, metrics_on_api_port=True, **settings)  # the tests read /metrics

    @app.post(WRITE_ROUTE, status_code=201)
    def write(writer: WriteKey) -> dict[str, str]:
        return {"written_by": writer.name}

    return app


@pytest.fixture(scope="module")
def keys(seeded_engine: Engine) -> dict[str, MadeKey]:
    return {
        "revoked": make_key(seeded_engine, "write", revoked=True),
        "expired": make_key(seeded_engine, "write", expired=True),
        "partner": make_key(seeded_engine, "partner"),
        "write": make_key(seeded_engine, "write"),
    }


@pytest.fixture(scope="module")
def client(seeded_engine: Engine, keys: dict[str, MadeKey]) -> Iterator[TestClient]:
    """Made after the keys, so its first read of the table holds them."""
    app = app_with_write_route(seeded_engine, rate_limits=True)
    with TestClient(app, base_url="http://api.test") as test_client:
        yield test_client


MALFORMED = "Bearer cica_not-a-key"


def test_the_write_matrix(client: TestClient, keys: dict[str, MadeKey]) -> None:
    cases: list[tuple[str, dict[str, str], int]] = [
        ("no key", {}, 401),
        ("malformed key", {"Authorization": MALFORMED}, 401),
        ("revoked key", keys["revoked"].authorization, 401),
        ("expired key", keys["expired"].authorization, 401),
        ("partner key", keys["partner"].authorization, 403),
        ("write key", keys["write"].authorization, 201),
    ]
    for label, headers, status in cases:
        response = client.post(WRITE_ROUTE, headers=headers)
        assert response.status_code == status, f"{label}: {response.status_code} {response.text}"
        assert response.headers["cache-control"] == "no-store", label
        if status == 401:
            assert_problem(response, 401)
            assert response.headers["www-authenticate"].startswith('Bearer realm="cica"'), label
        elif status == 403:
            body = assert_problem(response, 403)
            assert keys["partner"].name in body["detail"] and "write" in body["detail"]
        else:
            assert response.json() == {"written_by": keys["write"].name}


def test_a_key_sent_with_a_read_must_be_valid(client: TestClient, keys: dict[str, MadeKey]) -> None:
    for headers in ({"Authorization": MALFORMED}, keys["revoked"].authorization):
        body = assert_problem(client.get("/v1/members/KZ", headers=headers), 401)
        assert "instance" in body
    anonymous = client.get("/v1/members/KZ")
    for name in ("partner", "write"):
        keyed = client.get("/v1/members/KZ", headers=keys[name].authorization)
        assert keyed.status_code == 200
        assert keyed.content == anonymous.content
        assert keyed.headers["etag"] == anonymous.headers["etag"]
        assert keyed.headers["cache-control"] == "no-store"
        assert keyed.headers["ratelimit-policy"].startswith(f'"{name}";q=')
        assert keyed.headers["ratelimit"].startswith(f'"{name}";r=')
        revalidated = client.get(
            "/v1/members/KZ",
            headers={**keys[name].authorization, "If-None-Match": keyed.headers["etag"]},
        )
        assert revalidated.status_code == 304
        assert revalidated.headers["cache-control"] == "no-store"
    assert anonymous.headers["cache-control"].startswith("public")
    assert "ratelimit" not in anonymous.headers


def test_the_probes_ignore_keys(client: TestClient) -> None:
    assert client.get("/healthz", headers={"Authorization": MALFORMED}).status_code == 200


def test_a_valid_key_names_the_caller_in_the_access_log(
    seeded_engine: Engine, keys: dict[str, MadeKey], monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = io.BytesIO()
    monkeypatch.setattr(app_logging.STDOUT, "stream", stream)
    app = app_with_write_route(seeded_engine, access_log=True)
    with TestClient(app, base_url="http://api.test") as client:
        client.get("/v1/members/KZ", headers=keys["partner"].authorization)
        client.post(WRITE_ROUTE, headers=keys["write"].authorization)
        client.get("/v1/members/KZ")
        client.get("/v1/members/KZ", headers={"Authorization": MALFORMED})
    app_logging.STDOUT.flush()
    lines = [json.loads(line) for line in stream.getvalue().decode().splitlines()]
    requests = [line for line in lines if line.get("logger") == "app.access"]
    assert [(line["status"], line.get("key")) for line in requests] == [
        (200, keys["partner"].name),
        (201, keys["write"].name),
        (200, None),
        (401, None),
    ]


def test_metrics_count_requests_per_key_with_bounded_labels(
    client: TestClient, keys: dict[str, MadeKey]
) -> None:
    def counts() -> dict[tuple[str, str], float]:
        found: dict[tuple[str, str], float] = {}
        for family in text_string_to_metric_families(client.get("/metrics").text):
            if family.name == "cica_api_key_requests":
                for sample in family.samples:
                    if sample.name.endswith("_total"):
                        found[(sample.labels["key"], sample.labels["scope"])] = sample.value
        return found

    before = counts()
    for _ in range(3):
        client.get("/v1/members", headers=keys["partner"].authorization)
    for n in range(20):  # made-up keys add no series
        client.get("/v1/members", headers={"Authorization": f"Bearer cica_{n:012x}_{'A' * 40}"})
    after = counts()
    partner = (keys["partner"].name, "partner")
    assert after[partner] - before.get(partner, 0) == 3
    assert set(after) - set(before) <= {partner}
    assert all(name in {k.name for k in keys.values()} for name, _ in after)
