"""Test databases: every database test runs on SQLite, and on PostgreSQL when
`CICA_TEST_POSTGRES_URL` is set (CI sets it; an unreachable server then fails the run).

Each database is built by the migrations, never by `create_all`. PostgreSQL tests get a
schema of their own, so runs do not see each other's data.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from app.core.config import Settings
from app.core.db import build_engine
from app.core.migrations import upgrade_to_head
from app.main import create_app
from seed.loader import load

# Access lines are flushed 100 ms after a request, often after pytest stopped capturing
# that test's output; tests/test_logging.py turns them on where they are the subject.
os.environ.setdefault("CICA_ACCESS_LOG", "false")
# Every app a test starts would bind the metrics port (9300 and up) beside the servers of
# other runs on this machine: any free port instead (tests/test_metrics.py asks for one).
os.environ.setdefault("CICA_METRICS_PORT", "0")
# The suite sends thousands of requests from one address: rate limits are off here and on
# in tests/keys/, which are about them (and in tests that start `serve` with a clean env).
os.environ.setdefault("CICA_RATE_LIMITS", "false")
POSTGRES_URL = os.environ.get("CICA_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]
SOURCES_DIR = Path(
    os.environ.get("CICA_SOURCES_DIR") or Path(__file__).resolve().parents[2] / "shared" / "seeds"
)
"""The source documents the quotes are checked against: `CICA_SOURCES_DIR`, else the
project's shared folder beside the checkout (`../shared/seeds`)."""


class DatabaseFactory:
    """Makes empty databases of one backend and drops them afterwards."""

    def __init__(self, backend: str, workdir: Path) -> None:
        self.backend, self.workdir = backend, workdir
        self._schemas: list[str] = []

    def url(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        if self.backend == "sqlite":
            return f"sqlite:///{self.workdir / name}.db"
        assert POSTGRES_URL is not None
        admin = create_engine(Settings(database_url=POSTGRES_URL).database_url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
        admin.dispose()
        self._schemas.append(name)
        url = make_url(Settings(database_url=POSTGRES_URL).database_url)
        return url.update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(
            hide_password=False
        )

    def engine(self) -> Engine:
        return build_engine(Settings(database_url=self.url()))

    def drop_all(self) -> None:
        if not self._schemas:
            return
        admin = create_engine(Settings(database_url=POSTGRES_URL or "").database_url)
        # One transaction per schema: dropping them all in one takes a lock per table of
        # every schema at once, past max_locks_per_transaction ("out of shared memory").
        for name in self._schemas:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def source_documents() -> Path:
    """The source documents, for the quote checks. In CI (`CI` set) they must be there:
    without them the checks fail, never skip. Elsewhere their absence skips the checks
    with a message saying how to run them."""
    if SOURCES_DIR.is_dir():
        return SOURCES_DIR
    missing = (
        f"the source documents are not at {SOURCES_DIR}: put the project's shared folder "
        "beside the checkout (../shared/seeds) or set CICA_SOURCES_DIR=DIR"
    )
    if os.environ.get("CI"):
        pytest.fail(f"CI checks every quote, but {missing}", pytrace=False)
    pytest.skip(f"quotes not checked: {missing}")


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def databases(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(backend, tmp_path_factory.mktemp(backend))
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def seeded_engine(databases: DatabaseFactory) -> Iterator[Engine]:
    """One migrated and seeded database per backend, shared by the read-only API tests."""
    engine = databases.engine()
    upgrade_to_head(engine)
    load(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def fresh_engine(databases: DatabaseFactory) -> Iterator[Engine]:
    """An empty, migrated database for tests that write."""
    engine = databases.engine()
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def client(seeded_engine: Engine) -> Iterator[TestClient]:
    app = create_app(
        # The shared data never changes, so no version poller runs SQL beside other tests.
        Settings(
            database_url=str(seeded_engine.url),
            public_url="http://api.test",
            version_poll_seconds=3600,
        ),
        engine=seeded_engine,
    )
    with TestClient(app, base_url="http://api.test") as test_client:
        yield test_client
