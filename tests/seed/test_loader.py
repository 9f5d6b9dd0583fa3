"""The seed loader: idempotent, atomic, and precise about what is wrong."""

from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from app.models import Citation, DatasetVersion, State, StatusPeriod
from app.models.base import first_day
from seed import SEED_DIR
from seed.errors import SeedError
from seed.loader import load
from tests.support import curate, data


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
    member_id, _, new = curate.reduce_join_precision(seed_copy)
    report = load(fresh_engine, seed_dir=seed_copy)
    # A period's start is part of its natural key: the corrected period replaces the old one.
    assert (report.inserted["status_periods"], report.deleted["status_periods"]) == (1, 1)
    assert report.version == 2
    with Session(fresh_engine) as session:
        periods = session.exec(select(StatusPeriod).where(StatusPeriod.state_id == member_id))
        member = next(p for p in periods if p.status == "member")
        assert (member.since, member.since_date) == (new, first_day(new))


def _bad_edits() -> list[tuple[str, str, str, str, str, str]]:
    """(file, record id, old text, new text, record as the error names it, field), each
    on the first record of its file that fits, as found in the data files."""
    dated = curate.member_joined_on_a_day()
    joined = data.joined(dated)
    period = next(i for i, p in enumerate(dated.history) if p.status == "member")
    member = data.records("members")[0].id
    council = data.records("councils")[0]
    observer, position, cited = next(
        (o.id, i, c.source_id)
        for o in data.records("observers")
        for i, c in enumerate(o.sources)
        if sum(s.source_id == c.source_id for s in o.sources) == 1
        and all(p.source_id != c.source_id for d in o.derivations for p in d.premises)
    )
    return [
        (
            "members.toml",
            dated.id,
            f'from = "{joined}"',
            f'from = "{str(joined)[:5]}13-13"',
            curate.label(SEED_DIR / "members.toml", "members", dated.id),
            f"history.{period}.from",
        ),
        ("members.toml", member, f'id = "{member}"', 'id = "XK"', "XK", "id"),
        (
            "councils.toml",
            council.id,
            f'kind = "{council.kind}"',
            'kind = "bank"',
            curate.label(SEED_DIR / "councils.toml", "councils", council.id),
            "kind",
        ),
        (
            "observers.toml",
            observer,
            f'source_id = "{cited}"',
            'source_id = "nowhere"',
            observer,
            f"sources.{position}.source_id",
        ),
    ]


@pytest.mark.parametrize(("file", "record_id", "old", "new", "record", "field"), _bad_edits())
def test_a_bad_record_names_file_record_field_and_changes_nothing(
    fresh_engine: Engine,
    seed_copy: Path,
    file: str,
    record_id: str,
    old: str,
    new: str,
    record: str,
    field: str,
) -> None:
    load(fresh_engine, seed_dir=seed_copy)
    before = _snapshot(fresh_engine)
    key = file.removesuffix(".toml")
    curate.edit_record(seed_copy / file, key, record_id, old, new)
    # A valid change elsewhere must not be applied either: the load is all or nothing.
    area = data.records("reform-areas")[0].id
    curate.set_reviewed(
        seed_copy / "reform_areas.toml", "reform_areas", area, curate.later_than_any_review()
    )
    with pytest.raises(SeedError) as error:
        load(fresh_engine, seed_dir=seed_copy)
    assert (error.value.file, error.value.record, error.value.field) == (file, record, field)
    assert _snapshot(fresh_engine) == before


def test_unverified_records_stay_out_of_the_database(fresh_engine: Engine, seed_copy: Path) -> None:
    observers = seed_copy / "observers.toml"
    observers.write_text(
        observers.read_text() + '\n[[observers]]\nid = "NZ"\ntype = "state"\nunverified = true\n'
        'history = [{ status = "observer", from = "1999", to = "2007" }]\n'
    )
    load(fresh_engine, seed_dir=seed_copy)
    with Session(fresh_engine) as session:
        assert session.get(State, "NZ") is None
        kept = next(o.id for o in data.records("observers") if o.type == "state")
        assert session.get(State, kept) is not None


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
    conflict = next(c for c in data.dataset().conflicts if c.record is not None)
    current = data.current_claim(conflict).value
    curate.edit_record(
        seed_copy / "conflicts.toml",
        "conflicts",
        conflict.id,
        f'value = "{current}"\ncurrent = true',
        f'value = "{current} (altered)"\ncurrent = true',
    )
    with pytest.raises(SeedError, match="differs from the record") as error:
        load(fresh_engine, seed_dir=seed_copy)
    assert (error.value.file, error.value.record) == ("conflicts.toml", conflict.id)
    assert _snapshot(fresh_engine) == (0, 0, 0, 0)
