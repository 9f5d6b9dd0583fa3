"""Run Alembic from code (the CLI, the server's start-up and the tests use the same path)."""

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
    if revision != head_revision():
        with connection.begin():
            _upgrade(connection)


@contextmanager
def migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection holding the migration lock (PostgreSQL; SQLite serialises writers itself).

    Whoever holds it migrates and seeds; replicas that start together wait here, then find
    the schema at head and the data loaded."""
    with engine.connect() as connection:
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


def prepare_database(engine: Engine, seed_if_empty: Callable[[], object] | None) -> None:
    """Bring the database to the migration head and, if asked, seed it when empty, once
    however many replicas start together."""
    from app.core.snapshot import read_version_of

    with migration_lock(engine) as connection:
        _upgrade_if_behind(connection)
        if seed_if_empty is not None and read_version_of(engine) == 0:
            # One line per seeding: tests/test_replicas.py counts them to prove it ran once.
            logger.info("seeding an empty database")
            seed_if_empty()


def downgrade_to_base(engine: Engine) -> None:
    with engine.begin() as connection:
        config = alembic_config(str(engine.url.render_as_string(hide_password=False)))
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
