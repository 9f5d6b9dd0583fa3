"""The seed loader's update paths: edits in place, reordered unique positions, and database
errors that come back as a `SeedError` naming the record, with nothing changed."""

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, SQLModel

from app.core.config import get_settings
from app.core.storage import Row
from app.models import CbmDimension, Chairmanship, DatasetVersion, ReformArea, State
from app.registry import COLLECTIONS
from app.spec import CollectionSpec
from app.writes import rows as writes
from app.writes import step
from app.writes.plan import CITATIONS, DERIVATIONS, REVIEWS
from seed import loader
from seed.errors import SeedError
from seed.loader import load
from tests.support import curate, data

Dump = dict[str, list[tuple[Any, ...]]]
REFORM_AREAS = curate.by_position("reform-areas")
CBM_DIMENSIONS = curate.by_position("cbm-dimensions")
SQL_WORDS = re.compile(r"\b(INSERT|UPDATE|SELECT|DELETE)\b|\[SQL|\[parameters")


def _dump(engine: Engine) -> Dump:
    """Every row of every table, updated_at included, in a stable order."""
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in SQLModel.metadata.sorted_tables
        }


def _version(engine: Engine) -> int:
    with Session(engine) as session:
        row = session.get(DatasetVersion, 1)
        return row.version if row else 0


def _ids_by_position(engine: Engine, model: type[SQLModel]) -> list[str]:
    """The order the API shows: by position."""
    table = writes.sql_table(model)
    with engine.connect() as connection:
        return list(connection.execute(select(table.c.id).order_by(table.c.position)).scalars())


def _set_positions(path: Path, collection: str, positions: dict[str, int]) -> None:
    """Give records new positions by editing the file, as a curator would."""
    curate.set_positions(path, collection, positions)


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def _nothing_changes(report: loader.LoadReport) -> bool:
    return not any((*report.inserted.values(), *report.deleted.values()))


def _later(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the next load's clock run an hour ahead, so its timestamps surely differ."""
    ahead = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)
    monkeypatch.setattr(step, "utc_now", lambda: ahead)


def test_an_edited_field_updates_its_row_in_place(
    fresh_engine: Engine, seed_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(fresh_engine, seed_dir=seed_copy)
    version = _version(fresh_engine)
    with Session(fresh_engine) as session:
        before = {a.id: a.updated_at for a in session.scalars(select(ReformArea))}
    text = (seed_copy / "reform_areas.toml").read_text(encoding="utf-8")
    edited = next(a for a in data.records("reform-areas") if f'progress = "{a.progress}"' in text)
    progress = f'progress = "{edited.progress}"'
    curate.edit_record(
        seed_copy / "reform_areas.toml",
        "reform_areas",
        edited.id,
        progress,
        progress.removesuffix('"') + ' Edited."',
    )
    _later(monkeypatch)
    report = load(fresh_engine, seed_dir=seed_copy)

    assert report.updated["reform_areas"] == 1
    assert sum(report.updated.values()) == 1 and _nothing_changes(report)
    assert report.version == version + 1 == _version(fresh_engine)
    with Session(fresh_engine) as session:
        after = {a.id: a for a in session.scalars(select(ReformArea))}
    assert after[edited.id].progress == f"{edited.progress} Edited."
    assert after[edited.id].updated_at > before[edited.id]
    assert {i: a.updated_at for i, a in after.items() if i != edited.id} == {
        i: t for i, t in before.items() if i != edited.id
    }


def test_an_unchanged_reload_changes_nothing(fresh_engine: Engine, seed_copy: Path) -> None:
    load(fresh_engine, seed_dir=seed_copy)
    before = _dump(fresh_engine)
    report = load(fresh_engine, seed_dir=seed_copy)
    assert not report.changed and report.version == 1
    assert _dump(fresh_engine) == before


def test_two_reform_areas_swap_positions(fresh_engine: Engine, seed_copy: Path) -> None:
    load(fresh_engine, seed_dir=seed_copy)
    one, two, three, *_ = REFORM_AREAS
    _set_positions(seed_copy / "reform_areas.toml", "reform_areas", {one: 2, two: 1})
    report = load(fresh_engine, seed_dir=seed_copy)
    assert report.updated["reform_areas"] == 2 and _nothing_changes(report)
    assert report.version == 2
    assert _ids_by_position(fresh_engine, ReformArea)[:3] == [two, one, three]
    # And the swapped state is stable: loading it again changes nothing.
    assert not load(fresh_engine, seed_dir=seed_copy).changed


def test_reform_areas_rotate_through_all_positions(fresh_engine: Engine, seed_copy: Path) -> None:
    load(fresh_engine, seed_dir=seed_copy)
    count = len(REFORM_AREAS)
    rotated = {area: (index + 1) % count + 1 for index, area in enumerate(REFORM_AREAS)}
    _set_positions(seed_copy / "reform_areas.toml", "reform_areas", rotated)
    report = load(fresh_engine, seed_dir=seed_copy)
    assert report.updated["reform_areas"] == count
    assert _ids_by_position(fresh_engine, ReformArea) == REFORM_AREAS[-1:] + REFORM_AREAS[:-1]


def test_a_replaced_reform_area_takes_the_old_ones_position(
    fresh_engine: Engine, seed_copy: Path
) -> None:
    load(fresh_engine, seed_dir=seed_copy)
    replaced = REFORM_AREAS[-1]
    _replace(seed_copy / "reform_areas.toml", f'id = "{replaced}"', 'id = "staff-policy"')
    report = load(fresh_engine, seed_dir=seed_copy)
    assert (report.inserted["reform_areas"], report.deleted["reform_areas"]) == (1, 1)
    citations = len(data.record("reform-areas", replaced).sources)
    assert report.inserted["citations"] == report.deleted["citations"] == citations
    assert _ids_by_position(fresh_engine, ReformArea)[-1] == "staff-policy"


def test_cbm_dimensions_can_be_reordered(fresh_engine: Engine, seed_copy: Path) -> None:
    load(fresh_engine, seed_dir=seed_copy)
    count = len(CBM_DIMENSIONS)
    reversed_order = {dimension: count - index for index, dimension in enumerate(CBM_DIMENSIONS)}
    _set_positions(seed_copy / "cbm_dimensions.toml", "cbm_dimensions", reversed_order)
    report = load(fresh_engine, seed_dir=seed_copy)
    moved = count - count % 2  # the middle one of an odd number keeps its position
    assert report.updated["cbm_dimensions"] == moved
    assert sum(report.updated.values()) == moved and _nothing_changes(report)
    assert _ids_by_position(fresh_engine, CbmDimension) == CBM_DIMENSIONS[::-1]


def test_a_swap_in_a_dry_run_writes_nothing(fresh_engine: Engine, seed_copy: Path) -> None:
    load(fresh_engine, seed_dir=seed_copy)
    before = _dump(fresh_engine)
    one, two, *_ = REFORM_AREAS
    _set_positions(seed_copy / "reform_areas.toml", "reform_areas", {one: 2, two: 1})
    assert load(fresh_engine, seed_dir=seed_copy, dry_run=True).updated["reform_areas"] == 2
    assert _dump(fresh_engine) == before


def test_a_shared_position_names_the_record_and_changes_nothing(
    fresh_engine: Engine, seed_copy: Path
) -> None:
    load(fresh_engine, seed_dir=seed_copy)
    before = _dump(fresh_engine)
    one, two, *_ = REFORM_AREAS
    _set_positions(seed_copy / "reform_areas.toml", "reform_areas", {one: 2})
    # A valid change elsewhere must not be applied either: the load is all or nothing.
    curate.reduce_join_precision(seed_copy)
    with pytest.raises(SeedError) as error:
        load(fresh_engine, seed_dir=seed_copy)
    assert error.value.file == "reform_areas.toml"
    assert error.value.record in {one, two}
    assert error.value.field == "position"
    assert one in str(error.value) and two in str(error.value)
    assert not SQL_WORDS.search(str(error.value)) and len(str(error.value)) < 200
    assert _dump(fresh_engine) == before


def test_a_shared_position_in_a_first_load_leaves_the_database_empty(
    fresh_engine: Engine, seed_copy: Path
) -> None:
    before = _dump(fresh_engine)
    first, last = CBM_DIMENSIONS[0], CBM_DIMENSIONS[-1]
    _set_positions(seed_copy / "cbm_dimensions.toml", "cbm_dimensions", {last: 1})
    with pytest.raises(SeedError) as error:
        load(fresh_engine, seed_dir=seed_copy)
    assert (error.value.file, error.value.field) == ("cbm_dimensions.toml", "position")
    assert error.value.record in {last, first}
    assert _dump(fresh_engine) == before


def test_a_priority_area_id_used_twice_is_named(fresh_engine: Engine, seed_copy: Path) -> None:
    first, *_, last = data.records("cbm-dimensions")
    # An area no topic is incorporated into (`part_of`), so renaming it breaks nothing else.
    renamed = next(a.id for a in last.areas if all(b.part_of != a.id for b in last.areas))
    taken = first.areas[0].id
    curate.edit_record(
        seed_copy / "cbm_dimensions.toml",
        "cbm_dimensions",
        last.id,
        f'id = "{renamed}"\n',
        f'id = "{taken}"\n',
    )
    with pytest.raises(SeedError) as error:
        load(fresh_engine, seed_dir=seed_copy)
    assert (error.value.file, error.value.record, error.value.field) == (
        "cbm_dimensions.toml",
        f"{last.id}.{taken}",
        "id",
    )
    assert error.value.message == f"same id as record {first.id}.{taken}"


AREA = REFORM_AREAS[-1]
CHAIRMANSHIP = data.records("chairmanships")[-1].id


def _corrupt(
    model: type[SQLModel], record_id: str, **values: Any
) -> tuple[CollectionSpec[Any, Any], ...]:
    """The registry's collections, with the one storing `model` giving `values` in the row
    of `record_id`: a value the validation would have refused reaches the database."""

    def corrupted(spec: CollectionSpec[Any, Any]) -> CollectionSpec[Any, Any]:
        storage = spec.storage
        if storage is None or all(table.model is not model for table in storage.tables):
            return spec

        def rows(record: Any) -> Iterator[Row]:
            for row in storage.rows(record):
                if row.model is model and record.id == record_id:
                    row = dataclasses.replace(row, values={**row.values, **values})
                yield row

        return dataclasses.replace(spec, storage=dataclasses.replace(storage, rows=rows))

    return tuple(corrupted(spec) for spec in COLLECTIONS)


@pytest.mark.parametrize(
    ("model", "record_id", "values", "expected"),
    [
        (
            ReformArea,
            AREA,
            {"status": "abandoned"},
            ("reform_areas.toml", AREA, "status", "value not allowed"),
        ),
        (
            ReformArea,
            AREA,
            {"status": None},
            ("reform_areas.toml", AREA, "status", "a value is required"),
        ),
        (
            Chairmanship,
            CHAIRMANSHIP,
            {"state_id": "ZZ"},
            ("chairmanships.toml", CHAIRMANSHIP, None, "does not exist"),
        ),
    ],
)
def test_a_database_error_names_the_record_and_changes_nothing(
    fresh_engine: Engine,
    seed_copy: Path,
    model: type[SQLModel],
    record_id: str,
    values: dict[str, Any],
    expected: tuple[str, str, str | None, str],
) -> None:
    load(fresh_engine, seed_dir=seed_copy)
    before = _dump(fresh_engine)
    collections = _corrupt(model, record_id, **values)
    with pytest.raises(SeedError) as error:
        load(fresh_engine, seed_dir=seed_copy, collections=collections)
    file, record, field, message = expected
    assert (error.value.file, error.value.record) == (file, record)
    if field is not None:  # SQLite does not say which column a foreign key failed on
        assert error.value.field == field
    assert message in error.value.message
    assert not SQL_WORDS.search(str(error.value))
    assert _dump(fresh_engine) == before


def test_the_cli_prints_the_seed_error(
    fresh_engine: Engine,
    seed_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app.cli import main

    load(fresh_engine, seed_dir=seed_copy)
    _set_positions(seed_copy / "reform_areas.toml", "reform_areas", {REFORM_AREAS[-1]: 1})
    url = fresh_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("CICA_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        assert main(["seed", "--data", str(seed_copy)]) == 1
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err.startswith("seed failed, nothing changed: reform_areas.toml, record ")
    assert "Traceback" not in err and not SQL_WORDS.search(err)


def test_every_unique_column_can_be_moved_aside() -> None:
    """Swaps need a placeholder value for every unique column outside a natural key."""
    tables = [CITATIONS, DERIVATIONS, REVIEWS]
    tables += [table for spec in COLLECTIONS if spec.storage for table in spec.storage.tables]
    for table in tables:
        columns = writes.sql_table(table.model).c
        for names in writes.unique_column_sets(table.model, table.key):
            for name in set(names) - set(table.key):
                next(writes._placeholders(columns[name], set()))
    assert writes.unique_column_sets(ReformArea, ("id",)) == (("position",),)
    iso_alpha3 = writes.sql_table(State).c.iso_alpha3
    assert next(writes._placeholders(iso_alpha3, {"~0", "~1", "ABC"})) == "~2"
    assert sorted(writes.unique_column_sets(State, ("id",))) == [
        ("iso_alpha3",),
        ("iso_numeric",),
    ]
