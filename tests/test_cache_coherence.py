"""Two server processes on one database honour a version change within one second: a list
(whose ETag follows the dataset version) gets a new ETag, a record the change did not touch
keeps its own (a detail's ETag follows the bytes it serves)."""

import time

import httpx
import pytest
from sqlalchemy import text

from app.core.config import Settings
from app.core.db import build_engine
from scripts.load_test import running_server
from tests.conftest import DatabaseFactory

URL = "/v1/members"
DETAIL = "/v1/members/KZ"


def test_two_processes_agree_within_one_second(
    databases: DatabaseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    database_url = databases.url()
    monkeypatch.setenv("CICA_PUBLIC_URL", "https://cica.example")
    with running_server(database_url) as first, running_server(database_url) as second:
        # Replicas behind one proxy share one public URL, so their links and ETags agree.
        etags = {}
        for base in (first, second):
            for _ in range(2):  # the second request is a cache hit
                response = httpx.get(base + URL)
            etags[base] = response.headers["etag"]
            version = int(response.headers["x-dataset-version"])
        assert etags[first] == etags[second], "replicas give one representation one ETag"
        detail = httpx.get(first + DETAIL).headers["etag"]
        assert httpx.get(second + DETAIL).headers["etag"] == detail

        engine = build_engine(Settings(database_url=database_url))
        with engine.begin() as connection:
            connection.execute(text("UPDATE dataset_version SET version = version + 1"))
        changed_at = time.monotonic()
        engine.dispose()

        pending = {first, second}
        seen_after: dict[str, float] = {}
        while pending and time.monotonic() - changed_at < 5:
            for base in list(pending):
                response = httpx.get(base + URL)
                if int(response.headers["x-dataset-version"]) == version + 1:
                    seen_after[base] = time.monotonic() - changed_at
                    assert response.headers["etag"] != etags[base]
                    assert httpx.get(base + DETAIL).headers["etag"] == detail
                    pending.discard(base)
            time.sleep(0.02)
    assert not pending, "a process never saw the new version"
    assert max(seen_after.values()) < 1.0, seen_after
