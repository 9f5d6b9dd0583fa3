"""Writes from many clients at once, and what other processes serve after a write: twenty
PATCHes with one `If-Match` against a served process give one success and nineteen 412s;
a write through one app is served by a second app on the database within a second, with
a new ETag, while a record that shows nothing of it keeps its own."""

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.core.migrations import upgrade_to_head
from app.core.snapshot import affected
from app.registry import COLLECTIONS
from scripts.load_test import running_server
from seed.loader import load
from tests.conftest import DatabaseFactory
from tests.keys.conftest import make_key
from tests.writes.support import MERGE_PATCH, etag, patch, writing_app

RACERS = 20


@pytest.fixture
def seeded(databases: DatabaseFactory) -> Iterator[Engine]:
    engine = databases.engine()
    upgrade_to_head(engine)
    load(engine)
    yield engine
    engine.dispose()


def test_twenty_patches_with_one_if_match_one_wins(seeded: Engine) -> None:
    key = make_key(seeded, "write")
    with running_server(seeded.url.render_as_string(hide_password=False)) as base:
        first = httpx.get(base + "/v1/officials").json()["data"][0]["id"]
        path = f"{base}/v1/officials/{first}"
        tag = httpx.get(path).headers["etag"]
        start = threading.Barrier(RACERS)
        statuses: list[int] = []

        def race(number: int) -> None:
            body = json.dumps({"reviewed": f"2025-01-{number + 1:02d}"})
            with httpx.Client(timeout=30) as session:
                start.wait()
                response = session.patch(
                    path,
                    params={"summary": f"racer {number}"},
                    headers={**key.authorization, **MERGE_PATCH, "If-Match": tag},
                    content=body,
                )
            statuses.append(response.status_code)

        threads = [threading.Thread(target=race, args=(n,)) for n in range(RACERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert Counter(statuses) == {200: 1, 412: RACERS - 1}, statuses
        changes = httpx.get(base + "/v1/changes", params={"limit": 200}).json()["data"]
        assert sum(1 for c in changes if c["record_id"] == first) == 1


def test_a_write_is_served_by_another_app_within_a_second(seeded: Engine) -> None:
    key = make_key(seeded, "write")
    writer = TestClient(writing_app(seeded), base_url="http://api.test")
    reader = TestClient(writing_app(seeded, version_poll_seconds=0.1), base_url="http://api.test")
    with writer, reader:
        path = "/v1/officials/" + reader.get("/v1/officials").json()["data"][0]["id"]
        untouched = "/v1/members/KZ"
        before, kept = etag(reader, path), etag(reader, untouched)
        response = patch(
            writer, path, {"reviewed": "2024-04-04"}, auth=key.authorization, if_match=before
        )
        assert response.status_code == 200, response.text
        written = time.monotonic()
        while etag(reader, path) == before:
            assert time.monotonic() - written < 1.0, "the second app never served the write"
            time.sleep(0.02)
        assert etag(reader, path) == response.headers["etag"]
        assert reader.get(path).json()["reviewed"] == "2024-04-04"
        assert etag(reader, untouched) == kept


def test_a_burst_of_writes_shares_its_rebuilds(seeded: Engine) -> None:
    """Ten writes at once through one process: each answers with its record as served,
    and the process never builds more snapshots than there were writes, each reading
    only the collections that show officials (an incremental build), never the whole
    dataset."""
    import asyncio

    key = make_key(seeded, "write")
    app = writing_app(seeded)
    with TestClient(app, base_url="http://api.test") as client:
        paths = ["/v1/officials/" + o["id"] for o in client.get("/v1/officials").json()["data"]]
        paths = paths[:10]
        tags = {path: etag(client, path) for path in paths}
        read_model = app.state.read_model
        swaps = read_model.generation
        read: list[tuple[str, ...]] = []
        read_model.listeners.append(lambda: read.append(read_model.current.rebuilt))

        async def burst() -> list[httpx.Response]:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
                return await asyncio.gather(
                    *(
                        http.patch(
                            path,
                            params={"summary": "burst"},
                            headers={
                                **key.authorization,
                                **MERGE_PATCH,
                                "If-Match": tags[path],
                            },
                            content=b'{"reviewed": "2023-03-03"}',
                        )
                        for path in paths
                    )
                )

        responses = client.portal.call(burst)  # type: ignore[union-attr]
        assert [r.status_code for r in responses] == [200] * len(paths)
        for path, response in zip(paths, responses, strict=True):
            assert response.json()["reviewed"] == "2023-03-03"
            assert client.get(path).headers["etag"] == response.headers["etag"]
        rebuilds = read_model.generation - swaps
        # Writes commit one after the other (the writers' lock); each build serves every
        # version committed before it started, so builds are shared, never more than one
        # per write, and each reads again only what shows the officials.
        assert 1 <= rebuilds <= len(paths), f"{rebuilds} rebuilds for {len(paths)} writes"
        shows_officials = {s.name for s in COLLECTIONS if affected(s, {"officials"})}
        assert len(read) == rebuilds
        assert all(set(names) <= shows_officials for names in read), read
        assert len(shows_officials) < len(COLLECTIONS)
