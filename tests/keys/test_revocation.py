"""A key revoked (or made) through the CLI's service is refused (or accepted) by every
replica within a second: two apps, each with its own engine and key ring, on one database."""

import time
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.core.config import Settings
from app.core.db import build_engine
from app.main import create_app
from app.models.base import utc_now
from app.services.api_keys import revoke_key
from tests.keys.conftest import make_key

POLL_SECONDS = 0.5


def _replica(url: str) -> TestClient:
    settings = Settings(
        database_url=url, public_url="http://api.test", version_poll_seconds=POLL_SECONDS
    )
    return TestClient(create_app(settings, engine=build_engine(settings)))


def _seconds_until(
    clients: dict[str, TestClient], done: Callable[[int], bool], headers: dict[str, str]
) -> dict[str, float]:
    began = time.monotonic()
    seen: dict[str, float] = {}
    while len(seen) < len(clients) and time.monotonic() - began < 5:
        for label, client in clients.items():
            if label not in seen and done(
                client.get("/v1/members/KZ", headers=headers).status_code
            ):
                seen[label] = time.monotonic() - began
        time.sleep(0.02)
    return seen


def test_revocation_and_new_keys_reach_every_replica_within_a_second(
    seeded_engine: Engine,
) -> None:
    url = seeded_engine.url.render_as_string(hide_password=False)
    key = make_key(seeded_engine, "partner")
    with _replica(url) as one, _replica(url) as two:
        replicas = {"one": one, "two": two}
        for client in replicas.values():
            assert client.get("/v1/members/KZ", headers=key.authorization).status_code == 200

        revoke_key(seeded_engine, key.name, now=utc_now())
        seen = _seconds_until(replicas, lambda status: status == 401, key.authorization)
        assert seen.keys() == replicas.keys(), f"still accepted by some replica: {seen}"
        assert max(seen.values()) <= 1.0, seen

        later = make_key(seeded_engine, "write")
        seen = _seconds_until(replicas, lambda status: status == 200, later.authorization)
        assert seen.keys() == replicas.keys() and max(seen.values()) <= 1.0, seen
    one.app.state.engine.dispose()
    two.app.state.engine.dispose()
