"""The seed loader: idempotent, atomic, and precise about what is wrong."""

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from app.models import Citation, DatasetVersion, State, StatusPeriod
from seed.errors import SeedError
from seed.loader import load


def _snapshot(engine: Engine) -> tuple[int, int, int, int]:
    with Session(engine) as session:
        version = session.get(DatasetVersion, 1)
        return (
            version.version if version else 0,
            session.exec(select(func.count()).select_from(State)).one(),
            session.exec(select(func.count()).select_from(StatusPeriod)).one(),
            session.exec(select(func.count()).select_from(Citation)).one(),
        )


def test_second_load_changes_nothing(fresh_engine: Engine) -> None:
    first = load(fresh_engine)
    assert first.changed and first.version == 1
    before = _snapshot(fresh_engine)
    second = load(fresh_engine)
    assert not second.changed
    assert _snapshot(fresh_engine) == before


def test_dry_run_writes_nothing(fresh_engine: Engine) -> None:
    report = load(fresh_engine, dry_run=True)
    assert report.changed
    assert _snapshot(fresh_engine) == (0, 0, 0, 0)


def test_an_edit_replaces_the_period_and_bumps_the_version(
    fresh_engine: Engine, seed_copy: Path
) -> None:
    load(fresh_engine, seed_dir=seed_copy)
    members = seed_copy / "members.toml"
    members.write_text(members.read_text().replace('from = "2022-10-13"', 'from = "2022-10"'))
    report = load(fresh_engine, seed_dir=seed_copy)
    # A period's start is part of its natural key: the corrected period replaces the old one.
    assert (report.inserted["status_periods"], report.deleted["status_periods"]) == (1, 1)
    assert report.version == 2
    with Session(fresh_engine) as session:
        kuwait = session.exec(select(StatusPeriod).where(StatusPeriod.state_id == "KW")).one()
        assert (kuwait.since, kuwait.since_date) == ("2022-10", dt.date(2022, 10, 1))


@pytest.mark.parametrize(
    ("file", "old", "new", "record", "field"),
    [
        (
            "members.toml",
            'from = "2022-10-13"',
            'from = "2022-13-13"',
            "KW (#28)",
            "history.0.from",
        ),
        ("members.toml", 'id = "KW"', 'id = "XK"', "XK", "id"),
        ("councils.toml", 'kind = "fund"', 'kind = "bank"', "cica-fund (#?)", "kind"),
        (
            "observers.toml",
            'source_id = "rue20-2024-12-30"',
            'source_id = "nowhere"',
            "MA",
            "sources.1.source_id",
        ),
    ],
)
def test_a_bad_record_names_file_record_field_and_changes_nothing(
    fresh_engine: Engine, seed_copy: Path, file: str, old: str, new: str, record: str, field: str
) -> None:
    load(fresh_engine, seed_dir=seed_copy)
    before = _snapshot(fresh_engine)
    path = seed_copy / file
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    # A valid change elsewhere must not be applied either: the load is all or nothing.
    members = seed_copy / "members.toml"
    members.write_text(members.read_text().replace('from = "2011"', 'from = "2011-05"'))
    with pytest.raises(SeedError) as error:
        load(fresh_engine, seed_dir=seed_copy)
    assert (error.value.file, error.value.record, error.value.field) == (
        file,
        _numbered(path, record),
        field,
    )
    assert _snapshot(fresh_engine) == before


def _numbered(path: Path, record: str) -> str:
    """`id (#?)` with the record's position in its file (records may be added before it)."""
    if not record.endswith("(#?)"):
        return record
    record_id = record.removesuffix(" (#?)")
    text = path.read_text()
    table = text[text.index("[[") : text.index("]]") + 2]
    before = text[: text.index(f'id = "{record_id}"\n')]
    return f"{record_id} (#{before.count(table + chr(10))})"


def test_unverified_records_stay_out_of_the_database(fresh_engine: Engine, seed_copy: Path) -> None:
    observers = seed_copy / "observers.toml"
    observers.write_text(
        observers.read_text() + '\n[[observers]]\nid = "NZ"\ntype = "state"\nunverified = true\n'
        'history = [{ status = "observer", from = "1999", to = "2007" }]\n'
    )
    load(fresh_engine, seed_dir=seed_copy)
    with Session(fresh_engine) as session:
        assert session.get(State, "NZ") is None
        assert session.get(State, "JP") is not None


def test_an_uncited_record_needs_the_unverified_flag(fresh_engine: Engine, seed_copy: Path) -> None:
    observers = seed_copy / "observers.toml"
    observers.write_text(
        observers.read_text()
        + '\n[[observers]]\nid = "NZ"\ntype = "state"\nhistory = [{ status = "observer" }]\n'
    )
    with pytest.raises(SeedError, match="at least one citation") as error:
        load(fresh_engine, seed_dir=seed_copy)
    assert error.value.file == "observers.toml"
    assert error.value.record is not None and error.value.record.startswith("NZ")


def test_a_conflict_must_agree_with_its_record(fresh_engine: Engine, seed_copy: Path) -> None:
    conflicts = seed_copy / "conflicts.toml"
    text = conflicts.read_text()
    conflicts.write_text(text.replace('value = "2004-10-22"', 'value = "2004-10-21"', 1))
    with pytest.raises(SeedError, match="differs from the record") as error:
        load(fresh_engine, seed_dir=seed_copy)
    assert (error.value.file, error.value.record) == ("conflicts.toml", "thailand-accession")
    assert _snapshot(fresh_engine) == (0, 0, 0, 0)
