"""`/healthz` and `/readyz`."""

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.db import build_engine
from app.main import create_app
from tests.api.helpers import assert_problem
from tests.conftest import DatabaseFactory


def test_live_and_ready(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"


def test_not_ready_before_migrations(databases: DatabaseFactory) -> None:
    engine = databases.engine()
    with TestClient(create_app(Settings(database_url=str(engine.url)), engine=engine)) as client:
        assert "no revision" in assert_problem(client.get("/readyz"), 503)["detail"]
    engine.dispose()


def test_not_ready_when_database_is_unreachable() -> None:
    settings = Settings(database_url="postgresql://nobody@127.0.0.1:1/none?connect_timeout=1")
    engine = build_engine(settings)
    with TestClient(create_app(settings, engine=engine)) as client:
        assert_problem(client.get("/readyz"), 503)
        response = client.get("/v1/members")
        body = assert_problem(response, 503)
        assert "nobody" not in response.text and body["detail"].startswith("The database")
    engine.dispose()
