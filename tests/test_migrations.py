"""Models and migrations agree, and the migrations run down and up again, on every backend."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.core.config import Settings
from app.core.db import build_engine
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


def test_processes_starting_together_migrate_and_seed_once(databases: DatabaseFactory) -> None:
    """Workers or replicas that start at once on an empty database: one migrates and seeds,
    the others wait for it and find both done (PostgreSQL's advisory lock; a lock file
    beside a SQLite database). Each worker has its own engine, as each process does."""
    import threading

    from app.core.migrations import prepare_database
    from seed.loader import load

    url = databases.url()
    engines = [build_engine(Settings(database_url=url)) for _ in range(3)]
    seeded: list[object] = []
    failures: list[BaseException] = []
    start = threading.Barrier(len(engines))

    def worker(engine: Engine) -> None:
        def seed() -> object:
            seeded.append(engine)
            return load(engine)

        start.wait()
        try:
            prepare_database(engine, seed)
        except BaseException as error:  # reported below, with the others
            failures.append(error)

    threads = [threading.Thread(target=worker, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert len(seeded) == 1, f"seeded {len(seeded)} times"
    assert current_revision(engines[0]) == head_revision()
    for engine in engines:
        engine.dispose()


def test_revision_0007_goes_down_and_up_on_a_seeded_database(databases: DatabaseFactory) -> None:
    """Down: record types and field digests as revision 0006 stored them. Up again: the
    values are unknown until the next seed, which stores them and, the rows being the
    same, announces nothing and keeps the version."""
    from alembic import command
    from sqlalchemy import select

    from app.core.migrations import alembic_config
    from app.models import RecordState
    from seed.loader import load

    engine = databases.engine()
    upgrade_to_head(engine)
    first = load(engine)

    def migrate(direction: str, revision: str) -> None:
        with engine.begin() as connection:
            config = alembic_config(str(engine.url.render_as_string(hide_password=False)))
            config.attributes["connection"] = connection
            getattr(command, direction)(config, revision)

    migrate("downgrade", "0006_attested_until")
    with engine.connect() as connection:
        types = {row[0] for row in connection.exec_driver_sql("SELECT record_type FROM citations")}
        assert {"member", "cbm-area", "conflict-claim"} <= types and "members" not in types
        digests = connection.exec_driver_sql(
            "SELECT digests FROM record_states WHERE collection = 'members'"
        ).scalars()
        assert all(digests)
    migrate("upgrade", "head")
    with engine.connect() as connection:
        values = connection.execute(select(RecordState.value)).scalars().all()
        assert values and all(value is None for value in values)
    again = load(engine)
    assert (again.version, again.records, again.changed) == (first.version, 0, False)
    with engine.connect() as connection:
        assert all(connection.execute(select(RecordState.value)).scalars().all())
    engine.dispose()


def test_a_seeded_database_goes_down_to_base_and_up_again(databases: DatabaseFactory) -> None:
    """A release can be rolled back once data uses what it added: each downgrade maps or
    removes the values its upgrade allowed (0003: a `scheduled` meeting becomes `planned`)."""
    from seed.loader import load

    engine = databases.engine()
    upgrade_to_head(engine)
    load(engine)
    with engine.connect() as connection:
        statuses = set(connection.execute(text("SELECT DISTINCT status FROM meetings")).scalars())
    downgrade_to_base(engine)
    assert current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade_to_head(engine)
    assert current_revision(engine) == head_revision()
    report = load(engine)
    assert report is not None
    with engine.connect() as connection:
        again = set(connection.execute(text("SELECT DISTINCT status FROM meetings")).scalars())
    assert again == statuses
    engine.dispose()
