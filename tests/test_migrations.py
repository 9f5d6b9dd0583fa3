"""Models and migrations agree, and the migrations run down and up again, on every backend."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.core.migrations import current_revision, downgrade_to_base, head_revision, upgrade_to_head
from tests.conftest import DatabaseFactory


def test_autogenerate_finds_no_difference(databases: DatabaseFactory) -> None:
    engine = databases.engine()
    upgrade_to_head(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
    engine.dispose()


def test_upgrade_downgrade_upgrade(databases: DatabaseFactory) -> None:
    engine = databases.engine()
    upgrade_to_head(engine)
    assert current_revision(engine) == head_revision()
    downgrade_to_base(engine)
    assert current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade_to_head(engine)
    assert current_revision(engine) == head_revision()
    assert set(SQLModel.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()
