"""Serialized writers: every writer holds the writers' lock for its whole transaction.

`cica-api seed` processes started together on data that differs are applied one after the
other, so the dataset versions they make are consecutive and each has exactly its own
change-feed entries (unserialized, a version was seen skipped and left without entries).
The processes are made to meet: the test holds the lock until they are all waiting for
it (on PostgreSQL it sees them wait; on SQLite it gives them time to), then lets go.
"""

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text
from sqlmodel import Session

from app.core.config import Settings
from app.core.db import build_engine
from app.core.migrations import upgrade_to_head
from app.models import Change, DatasetVersion
from app.models.citation import CitationCreate
from app.models.council import CouncilCreate
from app.registry import COLLECTIONS
from app.writes.changeset import Changeset, Operation
from app.writes.lock import WRITERS_LOCK_KEY, writer_session
from app.writes.step import apply
from seed import SEED_DIR
from seed.loader import load
from seed.reader import read_dataset
from tests.conftest import DatabaseFactory

PROCESSES = 5
RECORD = "budget"
ROOT = Path(__file__).resolve().parents[2]
MEET_SECONDS = 60.0
SQLITE_GATHER_SECONDS = 3.0


def _copy_with_review(tmp_path: Path, number: int) -> Path:
    """The data files, with one record reviewed on a day of this copy's own."""
    target = tmp_path / f"seed-{number}"
    shutil.copytree(SEED_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = target / "reform_areas.toml"
    text_ = path.read_text(encoding="utf-8")
    marker = f'id = "{RECORD}"\n'
    assert marker in text_ and f"{marker}reviewed" not in text_
    path.write_text(text_.replace(marker, f"{marker}reviewed = 2020-01-{number + 1:02d}\n", 1))
    return target


def _waiting_for_the_lock(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND NOT granted AND objid = :key"
                ),
                {"key": WRITERS_LOCK_KEY},
            ).scalar_one()
        )


def _gather(engine: Engine, processes: list["subprocess.Popen[bytes]"]) -> None:
    """Return once every process waits for the lock (PostgreSQL shows it), or after a
    while (SQLite shows no waiters)."""
    if engine.dialect.name != "postgresql":
        time.sleep(SQLITE_GATHER_SECONDS)
        return
    deadline = time.monotonic() + MEET_SECONDS
    while _waiting_for_the_lock(engine) < len(processes):
        assert all(p.poll() is None for p in processes), "a seed ran without waiting for the lock"
        assert time.monotonic() < deadline, "the seeds never all waited for the writers' lock"
        time.sleep(0.05)


def test_seeds_started_together_make_one_version_each(
    databases: DatabaseFactory, tmp_path: Path
) -> None:
    url = databases.url()
    engine = build_engine(Settings(database_url=url))
    upgrade_to_head(engine)
    first = load(engine).version
    copies = [_copy_with_review(tmp_path, n) for n in range(PROCESSES)]
    env = {key: value for key, value in os.environ.items() if not key.startswith("CICA_")}
    env["CICA_DATABASE_URL"] = url
    with writer_session(engine):
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "app.cli", "seed", "--data", str(copy)],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for copy in copies
        ]
        _gather(engine, processes)
    outputs = [process.communicate(timeout=120)[0].decode() for process in processes]
    assert [process.returncode for process in processes] == [0] * PROCESSES, outputs
    with Session(engine) as session:
        version = session.get(DatasetVersion, 1)
        assert version is not None and version.version == first + PROCESSES
        entries = session.execute(select(Change).where(Change.version > first)).scalars().all()
    assert sorted(c.version for c in entries) == list(range(first + 1, first + PROCESSES + 1))
    for entry in entries:
        assert (entry.collection, entry.record_id, entry.action, entry.fields) == (
            "reform-areas",
            RECORD,
            "updated",
            ["reviewed"],
        )
    engine.dispose()


def test_a_writer_waits_for_the_one_inside(fresh_engine: Engine) -> None:
    """A writer that pauses inside its transaction (in its precondition, under the lock)
    keeps a second writer out until it commits; the second then sees its version."""
    load(fresh_engine)
    start = read_dataset(SEED_DIR)
    source = start.sources[0].id

    def council(record_id: str) -> CouncilCreate:
        return CouncilCreate(
            id=record_id,
            names={"en": record_id},
            kind="forum",
            status="proposed",
            sources=[CitationCreate(source_id=source, quote="a quote for the test")],
            reviewed=start.records["councils"][0].reviewed,
        )

    inside, second_done = threading.Event(), threading.Event()
    finished: list[tuple[str, int]] = []

    def pause(_current: Any) -> None:
        inside.set()
        second_done.wait(timeout=1.0)  # with the lock held, the second cannot finish

    def first() -> None:
        operation = Operation.create("councils", council("first-forum"), precondition=pause)
        applied = apply(fresh_engine, Changeset((operation,), "a", "first"), COLLECTIONS)
        finished.append(("first", applied.version))

    def second() -> None:
        inside.wait(timeout=30)
        operation = Operation.create("councils", council("second-forum"))
        applied = apply(fresh_engine, Changeset((operation,), "b", "second"), COLLECTIONS)
        finished.append(("second", applied.version))
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert finished == [("first", 2), ("second", 3)]


def test_the_lock_leaves_the_connections_timeouts_as_they_were(fresh_engine: Engine) -> None:
    """The long wait for the lock bounds that wait only: later statements keep the
    timeouts the connection had (`CICA_DB_TIMEOUT`): PostgreSQL's lock and statement
    timeouts, SQLite's busy timeout."""
    if fresh_engine.dialect.name == "postgresql":
        query = "SELECT current_setting('lock_timeout'), current_setting('statement_timeout')"
    else:
        query = "PRAGMA busy_timeout"
    with fresh_engine.connect() as connection:
        before = tuple(connection.exec_driver_sql(query).one())
    with writer_session(fresh_engine, wait=7) as session:
        inside = tuple(session.connection().exec_driver_sql(query).one())
    assert inside == before
    assert "7s" not in inside and 7000 not in inside
