"""Run Alembic from code (the CLI, the server's start-up and the tests use the same path)."""

import fcntl
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

logger = logging.getLogger("app.dataset")
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
# Any fixed number: every replica that starts at once takes the same PostgreSQL lock.
_MIGRATION_LOCK_KEY = 0x43494341
# Migrating may wait for another replica's migration and seed: longer than a read may.
_MIGRATION_STATEMENT_TIMEOUT = "120s"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return _revision(connection)


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection) -> None:
    config = alembic_config(str(connection.engine.url.render_as_string(hide_password=False)))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def upgrade_to_head(engine: Engine) -> None:
    """Migrate to head; on PostgreSQL under an advisory lock so replicas migrate one at a time."""
    with migration_lock(engine) as connection:
        _upgrade_if_behind(connection)


def _upgrade_if_behind(connection: Connection) -> None:
    revision = _revision(connection)
    connection.rollback()
    head = head_revision()
    if revision != head:
        with _foreign_keys_deferred(connection), connection.begin():
            _upgrade(connection)
        logger.info(
            "migrated from %s to %s",
            revision or "an empty database",
            head,
            extra={"from_revision": revision, "to_revision": head},
        )


@contextmanager
def migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection holding the migration lock: an advisory lock on PostgreSQL, a lock file
    beside a SQLite database file (workers of one `serve` share it).

    Whoever holds it migrates and seeds; replicas that start together wait here, then find
    the schema at head and the data loaded."""
    with _sqlite_file_lock(engine), engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.execute(text(f"SET statement_timeout = '{_MIGRATION_STATEMENT_TIMEOUT}'"))
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            connection.commit()
        try:
            yield connection
        finally:
            if postgres:
                connection.rollback()
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                )
                connection.execute(text("RESET statement_timeout"))
                connection.commit()


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """An exclusive `flock` on `<database file>.lock` while held; nothing for PostgreSQL, an
    in-memory database, or a folder we may not write (a read-only database never migrates)."""
    path = _sqlite_file(engine)
    handle = None
    if path is not None:
        try:
            handle = open(f"{path}.lock", "a")
        except OSError:
            handle = None
    if handle is None:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sqlite_file(engine: Engine) -> str | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database or ""
    if engine.url.query.get("mode") in ("ro", "memory"):
        return None
    if database.startswith("file:"):
        if "mode=ro" in database or "mode=memory" in database:
            return None
        database = database.removeprefix("file:").split("?", 1)[0]
    if database in ("", ":memory:"):
        return None
    return database


def prepare_database(engine: Engine, seed_if_empty: Callable[[], object] | None) -> None:
    """Bring the database to the migration head and, if asked, seed it when empty, once
    however many replicas start together."""
    from app.core.snapshot import read_version_of

    with migration_lock(engine) as connection:
        _upgrade_if_behind(connection)
        if seed_if_empty is not None and read_version_of(engine) == 0:
            # One line per seeding: tests/test_replicas.py counts them to prove it ran once.
            logger.info("seeding an empty database")
            report = seed_if_empty()
            summary = getattr(report, "summary", None)
            logger.info("seeded the empty database: %s", summary() if callable(summary) else "")


def downgrade_to_base(engine: Engine) -> None:
    downgrade_to(engine, "base")


def downgrade_to(engine: Engine, revision: str) -> None:
    with engine.connect() as connection, _foreign_keys_deferred(connection), connection.begin():
        config = alembic_config(str(engine.url.render_as_string(hide_password=False)))
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


@contextmanager
def _foreign_keys_deferred(connection: Connection) -> Iterator[None]:
    """SQLite: foreign keys off while migrating. Alembic alters a SQLite table by copying it
    to a new one and dropping the old, which a table referenced by others' rows would refuse
    (the app's connections turn foreign keys on; `alembic` on the command line leaves them
    off, as SQLite does by default). They are checked again before they come back on."""
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        yield
        problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"migrating left rows without their parents: {problems[:5]}")
    finally:
        connection.rollback()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
