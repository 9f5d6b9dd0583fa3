"""Models and migrations agree, and the migrations run down and up again, on every backend."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.core.config import Settings
from app.core.db import build_engine
from app.core.migrations import (
    current_revision,
    downgrade_to,
    downgrade_to_base,
    head_revision,
    upgrade_to_head,
)
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


def _uses_revision_0009() -> set[tuple[str, str]]:
    """The records whose rows revision 0009's downgrade removes or empties: those with
    curated derivations (of their own or of a nested item), ended partnerships and the
    partnership dates, CBM topics (`part_of`) and coordinators' terms, reform areas'
    `expected`, CICA's `external_status`, working formats and councils' meetings."""
    from app.registry import COLLECTIONS
    from tests.support import data

    found: set[tuple[str, str]] = set()
    for spec in COLLECTIONS:
        if spec.storage is None:
            continue
        for record in data.records(spec.name):
            items = [record, *getattr(record, "areas", [])]
            if any(getattr(item, "derivations", None) for item in items):
                found.add((spec.name, record.id))
    new_values = {
        "partner-organizations": lambda p: p.status == "ended" or p.attested_from or p.until,
        "cbm-dimensions": lambda d: any(
            a.part_of or a.coordinators_since or a.coordinators_until for a in d.areas
        ),
        "reform-areas": lambda a: a.expected,
        "organization": lambda o: o.external_status,
        "councils": lambda c: c.kind == "working-format",
        "meetings": lambda m: m.kind == "council-meeting",
    }
    for collection, uses in new_values.items():
        found |= {(collection, r.id) for r in data.records(collection) if uses(r)}
    return found


def test_revision_0009_goes_down_and_up_on_a_seeded_database(databases: DatabaseFactory) -> None:
    """Down: what revision 0008 can hold (no derivations, no ended partnerships, no working
    formats or councils' meetings). Up again, the next seed brings back exactly the rows
    of the records that used what 0009 added, announces those records and nothing else,
    and a seed after it changes nothing."""
    from seed.loader import load

    engine = databases.engine()
    upgrade_to_head(engine)
    first = load(engine)
    downgrade_to(engine, "0008_api_keys")
    with engine.connect() as connection:
        assert "derivations" not in inspect(connection).get_table_names()
        for query in (
            "SELECT count(*) FROM partnerships WHERE status = 'ended'",
            "SELECT count(*) FROM councils WHERE kind = 'working-format'",
            "SELECT count(*) FROM meetings WHERE kind = 'council-meeting'",
        ):
            assert connection.exec_driver_sql(query).scalar() == 0, query
    upgrade_to_head(engine)
    again = load(engine)
    announced = {key for key, change in again.by_record().items() if change.rows_changed}
    assert announced == _uses_revision_0009()
    assert again.version == first.version + 1
    assert not load(engine).changed
    engine.dispose()


def test_revision_0007_goes_down_and_up_on_a_seeded_database(databases: DatabaseFactory) -> None:
    """Down: record types and field digests as revision 0006 stored them. Up again: the
    values are unknown until the next seed, which stores them and, the rows being the
    same but for what the way down through revision 0009 removed (announced as that
    revision's own round trip announces it), announces nothing else."""
    from sqlalchemy import select

    from app.models import RecordState
    from seed.loader import load

    engine = databases.engine()
    upgrade_to_head(engine)
    first = load(engine)
    downgrade_to(engine, "0006_attested_until")
    with engine.connect() as connection:
        types = {row[0] for row in connection.exec_driver_sql("SELECT record_type FROM citations")}
        assert {"member", "cbm-area", "conflict-claim"} <= types and "members" not in types
        digests = connection.exec_driver_sql(
            "SELECT digests FROM record_states WHERE collection = 'members'"
        ).scalars()
        assert all(digests)
    upgrade_to_head(engine)
    with engine.connect() as connection:
        values = connection.execute(select(RecordState.value)).scalars().all()
        assert values and all(value is None for value in values)
    again = load(engine)
    announced = {key for key, change in again.by_record().items() if change.rows_changed}
    assert announced == _uses_revision_0009()
    assert again.version == first.version + 1
    assert not load(engine).changed
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
