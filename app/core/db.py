"""Engine construction, with every wait on the database bounded.

`CICA_DB_TIMEOUT` bounds connecting, each statement (PostgreSQL) and each lock wait
(SQLite); `CICA_DB_POOL_TIMEOUT` bounds the wait for a pooled connection. Reads are served
from the in-memory snapshot, so only readiness probes, the version poll, snapshot builds,
migrations and seeds reach the database, each in a short unit of work.
"""

import contextlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.core.config import Settings


def build_engine(settings: Settings, **overrides: Any) -> Engine:
    url = make_url(settings.database_url)
    timeout = settings.db_timeout
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.get_backend_name() == "sqlite":
        options["connect_args"] = {"check_same_thread": False, "timeout": timeout}
    else:
        options.update(
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
            connect_args={"connect_timeout": max(1, round(timeout))},
        )
    options.update(overrides)
    engine = create_engine(url, **options)
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas(timeout))
    else:
        event.listen(engine, "connect", _postgres_timeouts(timeout))
    return engine


def _postgres_timeouts(timeout: float) -> Any:
    milliseconds = max(1, round(timeout * 1000))

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {milliseconds}")
            cursor.execute(f"SET lock_timeout = {milliseconds}")
        dbapi_connection.autocommit = autocommit

    return on_connect


def _sqlite_pragmas(timeout: float) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        """WAL lets readers run beside the seeder; foreign keys are off by default in SQLite.
        A read-only database keeps its journal mode (changing it would be a write)."""
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={max(1, round(timeout * 1000))}")
        if not _is_memory(dbapi_connection):
            # A read-only file keeps its journal mode: serve it as it is.
            with contextlib.suppress(sqlite3.OperationalError):
                cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    return on_connect


def _is_memory(dbapi_connection: Any) -> bool:
    rows = dbapi_connection.execute("PRAGMA database_list").fetchall()
    return any(row[1] == "main" and not row[2] for row in rows)


@contextmanager
def open_session(engine: Engine) -> Iterator[Session]:
    """A short unit of work: commit on success, roll back on any error, always close."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
