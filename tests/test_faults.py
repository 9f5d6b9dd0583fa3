"""Faults: a database that is down at start, stops answering, comes back, or is read-only.

The server must start anyway, keep `/healthz` fast, bound every wait on the database by
`CICA_DB_TIMEOUT`, serve reads from its last snapshot while the database is away, and
recover without a restart. Each test runs on SQLite and on PostgreSQL (a database that
"stops answering" is a relay that stops forwarding on PostgreSQL, a held exclusive lock on
SQLite).
"""

import shutil
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app.api.health import READINESS_PROBLEMS
from app.core.config import Settings
from app.core.db import build_engine
from app.core.migrations import upgrade_to_head
from app.main import create_app
from seed.loader import load
from tests.api.helpers import assert_problem
from tests.conftest import DatabaseFactory
from tests.support import data
from tests.support.relay import Relay

TIMEOUT = 1.0


def _settings(url: str) -> Settings:
    return Settings(database_url=url, db_timeout=TIMEOUT, version_poll_seconds=0.1)


def _eventually(check: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def _timed(call: Callable[[], object]) -> float:
    started = time.monotonic()
    call()
    return time.monotonic() - started


class Outage:
    """A database this test can take away and give back."""

    def __init__(self, databases: DatabaseFactory, tmp_path: Path) -> None:
        self.backend = databases.backend
        self.real_url = databases.url()
        self._relay: Relay | None = None
        self._holder: sqlite3.Connection | None = None
        if self.backend == "postgresql":
            real = make_url(Settings(database_url=self.real_url).database_url)
            self._target = (real.host or "127.0.0.1", real.port or 5432)
            self._real = real
        self.tmp_path = tmp_path

    def url(self) -> str:
        if self.backend == "sqlite":
            return self.real_url
        assert self._relay is not None, "start the relay first"
        return self._real.set(port=self._relay.port).render_as_string(hide_password=False)

    def open_relay(self) -> None:
        if self.backend == "postgresql":
            self._relay = Relay(self._target)

    def freeze(self) -> None:
        if self._relay is not None:
            self._relay.freeze()
            return
        path = make_url(self.real_url).database
        assert path is not None
        self._holder = sqlite3.connect(path, isolation_level=None, timeout=0.2)
        self._holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        deadline = time.monotonic() + 10
        while True:  # between two of the app's short-lived connections
            try:
                self._holder.execute("BEGIN EXCLUSIVE")
                self._holder.execute("UPDATE dataset_version SET version = version")
                return
            except sqlite3.OperationalError:
                assert time.monotonic() < deadline, "could not lock the SQLite file"

    def thaw(self) -> None:
        if self._relay is not None:
            self._relay.thaw()
        if self._holder is not None:
            self._holder.close()
            self._holder = None

    def close(self) -> None:
        self.thaw()
        if self._relay is not None:
            self._relay.close()


@pytest.fixture
def outage(databases: DatabaseFactory, tmp_path: Path) -> Iterator[Outage]:
    value = Outage(databases, tmp_path)
    value.open_relay()
    yield value
    value.close()


def _assert_unready_in_words(response: Any, url: str) -> str:
    """A 503 from /readyz says what is wrong in fixed words, and nothing of the database's
    address, name or role (those go to the log)."""
    detail = str(assert_problem(response, 503)["detail"])
    assert detail in READINESS_PROBLEMS, detail
    where = make_url(Settings(database_url=url).database_url)
    secrets = [where.host, where.username, where.database, str(where.port or "")]
    assert [s for s in secrets if s and s in response.text] == [], response.text
    return detail


def _seeded(url: str) -> Engine:
    engine = build_engine(_settings(url))
    upgrade_to_head(engine)
    load(engine)
    return engine


def test_a_frozen_database_bounds_every_wait_and_reads_go_on(outage: Outage) -> None:
    _seeded(outage.url()).dispose()
    # SQLite: no idle pooled connection may keep its shared lock, or nothing can lock it.
    pool = {"poolclass": NullPool} if outage.backend == "sqlite" else {}
    engine = build_engine(_settings(outage.url()), **pool)
    with TestClient(create_app(_settings(outage.url()), engine=engine)) as client:
        assert client.get("/readyz").status_code == 200
        member = client.get("/v1/members/KZ")
        outage.freeze()
        try:
            assert _timed(lambda: client.get("/healthz").raise_for_status()) < 1.0
            started = time.monotonic()
            _assert_unready_in_words(client.get("/readyz"), outage.url())
            assert time.monotonic() - started < TIMEOUT + 1.0
            # A probe still hanging is not started again; the next answers within the bound too.
            assert _timed(lambda: assert_problem(client.get("/readyz"), 503)) < TIMEOUT + 1.0
            # Reads keep coming from the last snapshot.
            again = client.get("/v1/members/KZ")
            assert again.status_code == 200 and again.content == member.content
            assert _timed(lambda: client.get("/healthz").raise_for_status()) < 1.0
        finally:
            outage.thaw()
        _eventually(lambda: client.get("/readyz").status_code == 200)
    engine.dispose()


def test_the_server_starts_with_the_database_down_and_recovers(
    databases: DatabaseFactory, tmp_path: Path
) -> None:
    """Down at start: 503 for reads and readiness, then migrate, seed and serve once it is up."""
    if databases.backend == "sqlite":
        folder = tmp_path / "later"
        url = f"sqlite:///{folder}/cica.db"  # the folder does not exist yet: cannot open
        bring_up: Callable[[], None] = lambda: folder.mkdir()  # noqa: E731
        relay = None
    else:
        real = make_url(Settings(database_url=databases.url()).database_url)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]  # nothing listens here yet
        url = real.set(port=port).render_as_string(hide_password=False)
        relay = None

        def bring_up() -> None:
            nonlocal relay
            relay = Relay((real.host or "127.0.0.1", real.port or 5432), port=port)

    settings = _settings(url)
    engine = build_engine(settings)
    try:
        started = time.monotonic()
        with TestClient(create_app(settings, engine=engine)) as client:
            assert time.monotonic() - started < TIMEOUT + 5
            assert client.get("/healthz").status_code == 200
            detail = _assert_unready_in_words(client.get("/readyz"), url)
            assert "not loaded" in detail
            response = client.get("/v1/members")
            assert_problem(response, 503)
            assert response.headers["retry-after"] == "1"
            assert "postgres" not in response.text and "sqlite" not in response.text
            bring_up()
            _eventually(lambda: client.get("/readyz").status_code == 200)
            assert client.get("/v1/members").json()["meta"]["total"] == len(data.members_on())
    finally:
        engine.dispose()
        if relay is not None:
            relay.close()


def test_a_read_only_sqlite_file_is_served(tmp_path: Path) -> None:
    """SQLite only: a read-only file has no PostgreSQL counterpart. Root ignores file
    permissions, so the file is opened read-only by URI."""
    path = tmp_path / "ro.db"
    _seeded(f"sqlite:///{path}").dispose()
    shutil.copy(path, tmp_path / "copy.db")
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    settings = _settings(url)
    engine = build_engine(settings)
    with TestClient(create_app(settings, engine=engine)) as client:
        assert client.get("/readyz").status_code == 200
        assert client.get("/v1/members").json()["meta"]["total"] == len(data.members_on())
        assert client.get("/v1/members/KZ?fields=id").json() == {"id": "KZ"}
    engine.dispose()
