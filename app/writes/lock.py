"""The writers' lock: every writer (a seed run, and next every API write) holds it for its
whole transaction, so changesets are applied one after the other and each dataset version
has exactly its own change-feed entries.

PostgreSQL: a transaction-scoped advisory lock (`pg_advisory_xact_lock`), released by
the commit or rollback whatever happens to the process. SQLite: `BEGIN IMMEDIATE`, which
takes the database's write lock at once instead of at the first write, so two writers
never both read the old state and then both write.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text
from sqlmodel import Session

WRITERS_LOCK_KEY = 0x43494357
"""Any fixed number shared by every process; not the migration lock's key."""
LOCK_WAIT_SECONDS = 120.0
"""How long a writer waits for the others (a seed waits behind a queue of seeds)."""


@contextmanager
def writer_session(engine: Engine, *, wait: float = LOCK_WAIT_SECONDS) -> Iterator[Session]:
    """A session whose transaction holds the writers' lock: committed when the block ends,
    rolled back on any error (the lock goes with the transaction)."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            take_writers_lock(session.connection(), wait=wait)
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def take_writers_lock(connection: Connection, *, wait: float) -> None:
    """Wait up to `wait` seconds for the lock, then leave the connection's timeouts as
    they were (`CICA_DB_TIMEOUT` bounds every later statement)."""
    milliseconds = max(1, round(wait * 1000))
    if connection.dialect.name == "sqlite":
        before = connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one()
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {milliseconds}")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(before)}")
        return
    # Three round trips besides the lock, each setting read or set at once.
    lock, statement = connection.execute(
        text("SELECT current_setting('lock_timeout'), current_setting('statement_timeout')")
    ).one()
    _set_timeouts(connection, f"{milliseconds}ms", f"{milliseconds}ms")
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITERS_LOCK_KEY})
    _set_timeouts(connection, lock, statement)


def _set_timeouts(connection: Connection, lock: str, statement: str) -> None:
    """`lock_timeout` and `statement_timeout` for the rest of the transaction."""
    connection.execute(
        text(
            "SELECT set_config('lock_timeout', :lock, true),"
            " set_config('statement_timeout', :statement, true)"
        ),
        {"lock": lock, "statement": statement},
    )
