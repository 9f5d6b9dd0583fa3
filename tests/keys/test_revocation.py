"""A key revoked through the CLI's service is refused by every replica within a second, and
a key just made is accepted by every replica at once: two apps, each with its own engine
and key ring, on one database. Made-up keys cost a bounded number of key-table reads."""

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

        later = make_key(seeded_engine, "write")  # works at once: no wait for a poll
        for client in replicas.values():
            assert client.get("/v1/members/KZ", headers=later.authorization).status_code == 200
    one.app.state.engine.dispose()
    two.app.state.engine.dispose()


def test_unknown_keys_reread_the_key_table_a_bounded_number_of_times() -> None:
    """A flood of well-formed, made-up keys reads the table at most once per interval."""
    import asyncio

    from app.core.api_keys import UNKNOWN_RELOAD_SECONDS, KeyPoller, KeyRing

    reads = 0

    def load(_engine: object) -> list[object]:
        nonlocal reads
        reads += 1
        return []

    async def flood() -> float:
        ring = KeyRing()
        poller = KeyPoller(
            None,  # type: ignore[arg-type]
            ring,
            poll_seconds=60,
            timeout=1,
            ready=lambda: True,
            load=load,  # type: ignore[arg-type]
        )
        await poller.start()
        assert ring.reload is not None
        began = time.monotonic()

        async def caller(n: int) -> None:  # 200 requests with made-up keys over 0.5 s
            await asyncio.sleep(n / 400)
            await ring.reload()  # type: ignore[misc]

        await asyncio.gather(*(caller(n) for n in range(200)))
        seconds = time.monotonic() - began
        await poller.stop()
        assert ring.reload is None
        return seconds

    seconds = asyncio.run(flood())
    assert reads - 1 <= seconds / UNKNOWN_RELOAD_SECONDS + 1, (reads, seconds)
    assert reads >= 2  # it does read again for an unknown key
