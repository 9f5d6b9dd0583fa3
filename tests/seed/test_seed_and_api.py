"""Seeds and API edits live together: the database is the source of truth once seeded. A
record edited through the API (the write step, author a key's name) keeps the edit while
its file does not change; one changed in both is a conflict the seed lists and refuses
(exit 1, nothing written) unless told which side wins (`--prefer files|database`)."""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, SQLModel, col

from app.core.config import get_settings
from app.models import RecordState
from app.registry import COLLECTIONS
from app.writes.changeset import Changeset, Operation
from app.writes.errors import ChangesetError
from app.writes.merge import SeedConflict
from app.writes.step import apply
from seed.loader import load
from seed.reader import read_dataset
from tests.support import curate

COLLECTION, KEY = "meetings", "meetings"


def _value(engine: Engine, record_id: str) -> dict[str, Any] | None:
    with Session(engine) as session:
        return session.execute(
            select(col(RecordState.value)).where(
                col(RecordState.collection) == COLLECTION, col(RecordState.record_id) == record_id
            )
        ).scalar_one_or_none()


def _dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in SQLModel.metadata.sorted_tables
        }


@pytest.fixture
def edited(seed_copy: Path, fresh_engine: Engine) -> Iterator[tuple[str, str]]:
    """A seeded database where a maintainer's key changed one meeting's `reviewed` day
    through the write step; yields (record id, the day the API set)."""
    load(fresh_engine, seed_dir=seed_copy)
    record = read_dataset(seed_copy).records[COLLECTION][0]
    day = dt.date.fromisoformat(curate.later_than_any_review())
    changed = record.model_copy(update={"reviewed": day})
    apply(
        fresh_engine,
        Changeset(
            (Operation.update(COLLECTION, changed),),
            author="editor-key",
            summary="checked again",
            request_id="req-7",
        ),
        COLLECTIONS,
    )
    yield record.id, day.isoformat()


def _change_file(seed_copy: Path, record_id: str) -> str:
    day = dt.date.fromisoformat(curate.later_than_any_review()) + dt.timedelta(days=3)
    curate.set_reviewed(seed_copy / f"{KEY}.toml", KEY, record_id, day.isoformat())
    return day.isoformat()


def test_a_seed_with_unchanged_files_keeps_the_api_edit(
    edited: tuple[str, str], seed_copy: Path, fresh_engine: Engine
) -> None:
    record_id, day = edited
    report = load(fresh_engine, seed_dir=seed_copy)
    assert not report.changed and report.changes == []
    assert _value(fresh_engine, record_id)["reviewed"] == day  # type: ignore[index]
    # and again: the edit is no conflict with files that still say what they said
    assert not load(fresh_engine, seed_dir=seed_copy).changed


def test_a_change_to_another_record_is_seeded_and_the_edit_kept(
    edited: tuple[str, str], seed_copy: Path, fresh_engine: Engine
) -> None:
    record_id, day = edited
    other = read_dataset(seed_copy).records[COLLECTION][1].id
    theirs = _change_file(seed_copy, other)
    report = load(fresh_engine, seed_dir=seed_copy)
    assert [(c.record_id, c.fields) for c in report.changes] == [(other, ["reviewed"])]
    assert _value(fresh_engine, other)["reviewed"] == theirs  # type: ignore[index]
    assert _value(fresh_engine, record_id)["reviewed"] == day  # type: ignore[index]


def test_a_record_changed_in_both_is_a_conflict_and_nothing_is_written(
    edited: tuple[str, str],
    seed_copy: Path,
    fresh_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app.cli import main

    record_id, _ = edited
    _change_file(seed_copy, record_id)
    before = _dump(fresh_engine)
    with pytest.raises(SeedConflict) as raised:
        load(fresh_engine, seed_dir=seed_copy)
    [conflict] = raised.value.conflicts
    assert (conflict.record_id, conflict.in_files, conflict.in_database) == (
        record_id,
        ["reviewed"],
        ["reviewed"],
    )
    assert conflict.by == "editor-key"
    with pytest.raises(SeedConflict):
        load(fresh_engine, seed_dir=seed_copy, dry_run=True)
    assert _dump(fresh_engine) == before

    monkeypatch.setenv("CICA_DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        assert main(["seed", "--data", str(seed_copy)]) == 1
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err.startswith("seed failed, nothing changed: ")
    assert f"{KEY}.toml {record_id}" in err and "--prefer" in err and "editor-key" in err
    assert _dump(fresh_engine) == before


@pytest.mark.parametrize("prefer", ["files", "database"])
def test_prefer_says_which_side_wins(
    edited: tuple[str, str], seed_copy: Path, fresh_engine: Engine, prefer: str
) -> None:
    record_id, day = edited
    theirs = _change_file(seed_copy, record_id)
    load(fresh_engine, seed_dir=seed_copy, prefer=prefer)  # type: ignore[arg-type]
    kept = theirs if prefer == "files" else day
    assert _value(fresh_engine, record_id)["reviewed"] == kept  # type: ignore[index]
    # the files just seeded are the new base: seeding them again is no conflict, no change
    assert not load(fresh_engine, seed_dir=seed_copy).changed
    assert _value(fresh_engine, record_id)["reviewed"] == kept  # type: ignore[index]


def test_records_created_or_deleted_through_the_api_stay_so(
    edited: tuple[str, str], seed_copy: Path, fresh_engine: Engine
) -> None:
    dataset = read_dataset(seed_copy)
    copy = dataset.records[COLLECTION][2].model_copy(update={"id": "api-made-meeting"})
    apply(fresh_engine, Changeset((Operation.create(COLLECTION, copy),), "k", "t"), COLLECTIONS)
    for candidate in reversed(dataset.records[COLLECTION]):  # one no other record names
        try:
            delete = Operation.delete(COLLECTION, candidate.id)
            apply(fresh_engine, Changeset((delete,), "editor-key", "test"), COLLECTIONS)
        except ChangesetError:
            continue
        gone = candidate.id
        break
    assert not load(fresh_engine, seed_dir=seed_copy).changed
    assert _value(fresh_engine, "api-made-meeting") is not None
    assert _value(fresh_engine, gone) is None
