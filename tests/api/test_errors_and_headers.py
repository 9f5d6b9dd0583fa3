"""Errors are problem+json everywhere; CORS and request ids on every response."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.core.config import Settings
from app.main import create_app
from tests.api.helpers import assert_problem


@pytest.fixture
def failing_client(seeded_engine: Engine) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=str(seeded_engine.url)), engine=seeded_engine)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals at /srv/app/db.py: SELECT password")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_unexpected_error_is_a_bare_500_with_cors(failing_client: TestClient) -> None:
    response = failing_client.get("/boom", headers={"Origin": "https://frontend.example"})
    body = assert_problem(response, 500)
    assert body["detail"] == "An unexpected error occurred."
    assert "secret" not in response.text and "SELECT" not in response.text
    assert response.headers["access-control-allow-origin"] == "*"


def test_unknown_route_and_wrong_method(client: TestClient) -> None:
    assert_problem(client.get("/v1/nothing-here"), 404)
    response = client.delete("/v1/members")  # records are deleted one by one
    assert_problem(response, 405)
    assert "GET" in response.headers["allow"]


def test_cors_for_any_origin_without_credentials(client: TestClient) -> None:
    response = client.get("/v1/members/KZ", headers={"Origin": "https://frontend.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    assert "X-Dataset-Version" in response.headers["access-control-expose-headers"]
    assert_problem(client.get("/v1/members/XX", headers={"Origin": "https://a.example"}), 404)
    preflight = client.options(
        "/v1/members",
        headers={"Origin": "https://a.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204  # any 2xx is an "ok status" for a preflight
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "GET" in preflight.headers["access-control-allow-methods"]
    # CORS headers never depend on Origin, so a shared cache needs no Vary: Origin.
    plain = client.get("/v1/members/KZ")
    assert plain.headers["access-control-allow-origin"] == "*"
    assert "origin" not in plain.headers["vary"].lower()


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    assert len(client.get("/healthz").headers["x-request-id"]) == 32
