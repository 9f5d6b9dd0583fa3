"""Two replicas (`cica-api serve`, two processes on two ports) on one PostgreSQL database,
as compose.yaml runs them.

PostgreSQL only: replicas share a database only there (CI always sets
`CICA_TEST_POSTGRES_URL`). A SQLite file is one process's database (or a read-only copy per
replica); it has no advisory lock, so "migrates once" is not a property it offers.

The concurrent start is made exact: the test holds the migration lock itself, starts both
replicas, waits until both are blocked on that lock in PostgreSQL, then releases it, so
both race for it at the same instant. Each replica logs alembic's "Running upgrade" per
revision it applies and "seeding an empty database" when it seeds: across both logs each
revision appears once and the seeding once.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, text

from app.core.config import Settings
from app.core.migrations import alembic_config, migration_lock
from scripts.bench_proxy import change_dataset
from scripts.load_test import free_port
from tests.conftest import POSTGRES_URL, DatabaseFactory

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="replicas share a PostgreSQL database: set CICA_TEST_POSTGRES_URL (CI does)",
)

PUBLIC_URL = "https://cica.example.org"
BOOT_SECONDS = 60.0
POLL_SECONDS = 0.5
PATHS = (
    "/v1/members?limit=200",
    "/v1/members/KZ",
    "/v1/members?format=csv&fields=id,name",
    "/v1/search?q=shanghai",
    "/v1/exports",
)


@dataclass
class Replica:
    base: str
    process: "subprocess.Popen[bytes]"
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _start(database_url: str, log: Path) -> Replica:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CICA_")}
    env.update(
        CICA_DATABASE_URL=database_url,
        CICA_PUBLIC_URL=PUBLIC_URL,
        CICA_LOG_LEVEL="info",
        CICA_VERSION_POLL_SECONDS=str(POLL_SECONDS),
        CICA_DB_POOL_SIZE="2",
        CICA_DB_MAX_OVERFLOW="0",
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Replica(f"http://127.0.0.1:{port}", process, log)


def _stop(replicas: list[Replica]) -> None:
    """Stop them together (each shutdown may take seconds)."""
    for replica in replicas:
        replica.process.terminate()
    for replica in replicas:
        try:
            replica.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            replica.process.kill()
            replica.process.wait()


def _advisory_waiters(admin: Engine) -> int:
    with admin.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            ).scalar_one()
        )


def _wait_ready(replica: Replica, deadline: float) -> None:
    with httpx.Client(base_url=replica.base, timeout=5, trust_env=False) as client:
        while True:
            assert replica.process.poll() is None, replica.output()[-3000:]
            try:
                if client.get("/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"not ready: {replica.output()[-3000:]}"
            time.sleep(0.1)


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[Replica], str]]:
    """Two replicas started on an empty schema while the migration lock is held, released
    once both wait for it."""
    folder = tmp_path_factory.mktemp("replicas")
    databases = DatabaseFactory("postgresql", folder)
    database_url = databases.url()
    admin = create_engine(Settings(database_url=POSTGRES_URL or "").database_url)
    started: list[Replica] = []
    try:
        with migration_lock(admin):
            started = [_start(database_url, folder / f"replica-{n}.log") for n in (1, 2)]
            deadline = time.monotonic() + BOOT_SECONDS
            while _advisory_waiters(admin) < 2:
                for replica in started:
                    assert replica.process.poll() is None, replica.output()[-3000:]
                assert time.monotonic() < deadline, "the replicas never waited on the lock"
                time.sleep(0.05)
        deadline = time.monotonic() + BOOT_SECONDS
        for replica in started:
            _wait_ready(replica, deadline)
        yield started, database_url
    finally:
        _stop(started)
        admin.dispose()
        databases.drop_all()


def test_concurrent_start_migrates_and_seeds_once(
    replicas: tuple[list[Replica], str],
) -> None:
    started, _ = replicas
    logs = [replica.output() for replica in started]
    revisions = list(ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions())
    assert revisions
    for revision in revisions:
        applied = sum(log.count(f"-> {revision.revision},") for log in logs)
        assert applied == 1, f"{revision.revision} applied {applied} times:\n" + "\n".join(logs)
    upgrades = sum(log.count("Running upgrade") for log in logs)
    assert upgrades == len(revisions), logs
    seeded = [log.count("seeding an empty database") for log in logs]
    assert sorted(seeded) == [0, 1], f"seeded {seeded} times:\n" + "\n".join(logs)
    with httpx.Client(timeout=5, trust_env=False) as client:
        versions = {
            client.get(r.base + "/readyz").json()["snapshot"]["dataset_version"] for r in started
        }
    assert versions == {1}, versions


def _representations(replica: Replica) -> dict[str, tuple[int, str | None, bytes]]:
    with httpx.Client(base_url=replica.base, timeout=5, trust_env=False) as client:
        return {
            f"{path} [{lang}]": (r.status_code, r.headers.get("etag"), r.content)
            for path in PATHS
            for lang in ("en", "ru")
            for r in [client.get(path, headers={"Accept-Language": lang})]
        }


def test_replicas_serve_the_same_representations_and_etags(
    replicas: tuple[list[Replica], str],
) -> None:
    first, second = (_representations(r) for r in replicas[0])
    assert all(status == 200 and etag for status, etag, _ in first.values()), first.keys()
    for key, answer in first.items():
        assert second[key] == answer, f"{key} differs between the replicas"
    body = first[f"{PATHS[0]} [en]"][2].decode()
    assert f'"self":"{PUBLIC_URL}/v1/members' in body, "links come from the shared public URL"


def test_change_through_one_is_served_by_both_within_a_second(
    replicas: tuple[list[Replica], str],
) -> None:
    started, database_url = replicas
    before = _representations(started[1])
    new_version = str(change_dataset(database_url))
    changed = time.monotonic()
    seen: dict[str, float] = {}
    with httpx.Client(timeout=5, trust_env=False) as client:
        while len(seen) < len(started) and time.monotonic() - changed < 5:
            for replica in started:
                if replica.base not in seen:
                    answer = client.get(replica.base + "/v1/members/KZ")
                    if answer.headers["x-dataset-version"] == new_version:
                        seen[replica.base] = time.monotonic() - changed
            time.sleep(0.02)
    assert len(seen) == len(started), f"version {new_version} seen only by {seen}"
    assert max(seen.values()) <= 2 * POLL_SECONDS, seen
    first, second = (_representations(r) for r in started)
    assert first == second
    assert all(first[key][1] != before[key][1] for key in first), "an ETag did not change"
