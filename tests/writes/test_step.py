"""The write step applied to a changeset of one record, as the maintainers' write API will
call it: create, update and delete one record on a seeded database, each in one
transaction, with its rows, its change-feed entry and a new dataset version; and the
refusals (a record that exists or is missing, a failed precondition, a broken reference,
a shared row given two ways), each leaving everything as it was."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, SQLModel

from app.core.snapshot import build_snapshot
from app.models import Change, Citation, Council, DatasetVersion, RecordReview, RecordState
from app.models.citation import CitationCreate
from app.models.council import CouncilCreate
from app.registry import COLLECTIONS, COUNCILS, PARTNERS
from app.writes.changeset import Applied, Changeset, Operation
from app.writes.errors import ChangesetError, PreconditionFailed
from app.writes.feed import value_of
from app.writes.step import apply
from seed import SEED_DIR
from seed.loader import load
from seed.reader import Dataset, read_dataset

NEW_ID = "test-forum"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return read_dataset(SEED_DIR)


@pytest.fixture
def seeded(fresh_engine: Engine) -> Iterator[Engine]:
    load(fresh_engine)
    yield fresh_engine


def _council(dataset: Dataset, **changes: Any) -> CouncilCreate:
    source = dataset.sources[0].id
    values: dict[str, Any] = {
        "id": NEW_ID,
        "names": {"en": "Test Forum"},
        "kind": "forum",
        "status": "proposed",
        "sources": [
            CitationCreate(source_id=source, quote="a quote for the test", supports=["status"])
        ],
        "reviewed": dt.date(2026, 1, 2),
        **changes,
    }
    return CouncilCreate(**values)


def _one(operation: Operation) -> Changeset:
    return Changeset((operation,), author="test-key", summary="a test", request_id="req-1")


def _version(engine: Engine) -> int:
    with Session(engine) as session:
        row = session.get(DatasetVersion, 1)
        return row.version if row else 0


def _count(engine: Engine, model: type[SQLModel], **where: Any) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    with Session(engine) as session:
        return int(session.execute(query).scalar_one())


def _feed(engine: Engine, version: int) -> list[tuple[str, str, str, list[str]]]:
    with Session(engine) as session:
        rows = session.execute(select(Change).where(Change.version == version)).scalars()
        return [(c.collection, c.record_id, c.action, c.fields) for c in rows]


def _dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in SQLModel.metadata.sorted_tables
        }


def _served(engine: Engine, record_id: str) -> Any:
    item = build_snapshot(engine, COLLECTIONS).get(COUNCILS).find(record_id)
    return item.record if item else None


def test_create_update_delete_one_record(seeded: Engine, dataset: Dataset) -> None:
    start = _version(seeded)
    council = _council(dataset)

    created = apply(seeded, _one(Operation.create("councils", council)), COLLECTIONS)
    assert created.version == start + 1 == _version(seeded)
    assert _count(seeded, Council, id=NEW_ID) == 1
    assert _count(seeded, Citation, record_type="councils", record_id=NEW_ID) == 1
    assert _count(seeded, RecordReview, record_type="councils", record_id=NEW_ID) == 1
    [change] = created.changes
    assert (change.action, change.before, change.after) == ("created", None, value_of(council))
    assert {"id", "names", "kind", "status", "sources", "reviewed"} <= set(change.fields)
    assert _feed(seeded, start + 1) == [("councils", NEW_ID, "created", change.fields)]
    served = _served(seeded, NEW_ID)
    assert served is not None and served.status == "proposed"
    assert created.changeset.author == "test-key" and created.changeset.request_id == "req-1"

    planned = _council(dataset, status="planned")
    updated = apply(seeded, _one(Operation.update("councils", planned)), COLLECTIONS)
    assert updated.version == start + 2
    [change] = updated.changes
    assert (change.action, change.fields) == ("updated", ["status"])
    assert (change.before, change.after) == (value_of(council), value_of(planned))
    assert _feed(seeded, start + 2) == [("councils", NEW_ID, "updated", ["status"])]
    assert (updated.updated["councils"], updated.inserted["citations"]) == (1, 0)
    assert _served(seeded, NEW_ID).status == "planned"

    deleted = apply(seeded, _one(Operation.delete("councils", NEW_ID)), COLLECTIONS)
    assert deleted.version == start + 3
    [change] = deleted.changes
    assert (change.action, change.before, change.after) == ("deleted", value_of(planned), None)
    assert _feed(seeded, start + 3) == [("councils", NEW_ID, "deleted", change.fields)]
    assert _count(seeded, Council, id=NEW_ID) == 0
    assert _count(seeded, Citation, record_type="councils", record_id=NEW_ID) == 0
    assert _count(seeded, RecordReview, record_type="councils", record_id=NEW_ID) == 0
    assert _count(seeded, RecordState, collection="councils", record_id=NEW_ID) == 0
    assert _served(seeded, NEW_ID) is None


def test_an_update_to_the_same_value_changes_nothing(seeded: Engine, dataset: Dataset) -> None:
    apply(seeded, _one(Operation.create("councils", _council(dataset))), COLLECTIONS)
    before = _dump(seeded)
    again = apply(seeded, _one(Operation.update("councils", _council(dataset))), COLLECTIONS)
    assert again.changes == [] and not again.changed
    assert _dump(seeded) == before


def test_the_precondition_sees_the_current_value_and_can_refuse(
    seeded: Engine, dataset: Dataset
) -> None:
    council = _council(dataset)
    apply(seeded, _one(Operation.create("councils", council)), COLLECTIONS)
    before = _dump(seeded)
    seen: list[Any] = []

    def stale(current: Any) -> None:
        seen.append(current)
        raise PreconditionFailed("the record changed since you read it")

    changeset = _one(
        Operation.update("councils", _council(dataset, status="planned"), precondition=stale)
    )
    with pytest.raises(PreconditionFailed):
        apply(seeded, changeset, COLLECTIONS)
    assert seen == [value_of(council)]
    assert _dump(seeded) == before


@pytest.mark.parametrize("action", ["create", "update", "delete"])
def test_existing_and_missing_records_are_refused(
    seeded: Engine, dataset: Dataset, action: str
) -> None:
    existing = dataset.records["councils"][0]
    before = _dump(seeded)
    operation = {
        "create": Operation.create("councils", existing),
        "update": Operation.update("councils", _council(dataset)),
        "delete": Operation.delete("councils", NEW_ID),
    }[action]
    with pytest.raises(ChangesetError) as error:
        apply(seeded, _one(operation), COLLECTIONS)
    assert error.value.kind == ("exists" if action == "create" else "missing")
    assert error.value.file == "councils.toml"
    assert _dump(seeded) == before


def test_deleting_a_record_others_refer_to_is_refused(seeded: Engine, dataset: Dataset) -> None:
    """The checks of the records that read a collection run again when it changes."""
    hosted = next(m for m in dataset.records["meetings"] if m.host)
    before = _dump(seeded)
    with pytest.raises(ChangesetError) as error:
        apply(seeded, _one(Operation.delete("members", hosted.host)), COLLECTIONS)
    assert error.value.file in {"meetings.toml", "chairmanships.toml", "cbm_dimensions.toml"}
    assert "member state" in error.value.message
    assert _dump(seeded) == before


def test_a_shared_row_stays_while_another_record_gives_it(seeded: Engine, dataset: Dataset) -> None:
    """An organization that is an observer and a partner has one row, kept when the
    partner record goes; a partner record giving it other names is refused."""
    observers = {r.id for r in dataset.records["observers"] if r.type == "organization"}
    partner = next(r for r in dataset.records["partner-organizations"] if r.id in observers)
    gone = apply(seeded, _one(Operation.delete(PARTNERS.name, partner.id)), COLLECTIONS)
    assert [(c.collection, c.action) for c in gone.changes] == [(PARTNERS.name, "deleted")]
    assert (gone.deleted["partnerships"], gone.deleted["organizations"]) == (1, 0)
    snapshot = build_snapshot(seeded, COLLECTIONS)
    assert snapshot.collections["observers"].find(partner.id) is not None
    assert snapshot.collections[PARTNERS.name].find(partner.id) is None

    before = _dump(seeded)
    renamed = partner.model_copy(update={"names": {"en": "Another name"}})
    with pytest.raises(ChangesetError, match=r"also in observers\.toml") as error:
        apply(seeded, _one(Operation.create(PARTNERS.name, renamed)), COLLECTIONS)
    assert (error.value.file, error.value.record, error.value.field) == (
        "partner_organizations.toml",
        partner.id,
        "names",
    )
    assert _dump(seeded) == before
    back = apply(seeded, _one(Operation.create(PARTNERS.name, partner)), COLLECTIONS)
    assert (back.inserted["partnerships"], back.inserted["organizations"]) == (1, 0)


def test_a_record_may_not_take_another_records_row(seeded: Engine, dataset: Dataset) -> None:
    """A member with the id of an observer state would take over its `states` row."""
    observer = next(r for r in dataset.records["observers"] if r.type == "state")
    member = dataset.records["members"][0].model_copy(update={"id": observer.id})
    before = _dump(seeded)
    with pytest.raises(ChangesetError) as error:
        apply(seeded, _one(Operation.create("members", member)), COLLECTIONS)
    assert error.value.record == observer.id
    assert _dump(seeded) == before


def test_a_changeset_is_one_transaction(seeded: Engine, dataset: Dataset) -> None:
    """Two operations, the second refused: the first is not applied either."""
    before = _dump(seeded)
    changeset = Changeset(
        (
            Operation.create("councils", _council(dataset)),
            Operation.delete("councils", "no-such-council"),
        ),
        author="test-key",
        summary="a test",
    )
    with pytest.raises(ChangesetError):
        apply(seeded, changeset, COLLECTIONS)
    assert _dump(seeded) == before


def test_a_dry_run_says_what_it_would_do_and_writes_nothing(
    seeded: Engine, dataset: Dataset
) -> None:
    before = _dump(seeded)
    applied: Applied = apply(
        seeded, _one(Operation.create("councils", _council(dataset))), COLLECTIONS, dry_run=True
    )
    assert [c.action for c in applied.changes] == ["created"]
    assert applied.version == _version(seeded) + 1
    assert _dump(seeded) == before


def test_a_write_that_contradicts_a_conflicts_current_claim_is_refused(
    seeded: Engine, dataset: Dataset
) -> None:
    """A write re-checks the conflicts about the collection it changes (and only those:
    `Storage.check_reads`): a record may not leave the value its conflict calls current."""
    conflict = next(
        c
        for c in dataset.conflicts
        if c.record is not None and c.record.collection == "councils" and c.field == "seat"
    )
    assert conflict.record is not None
    council = next(r for r in dataset.records["councils"] if r.id == conflict.record.id)
    current = next(claim.value for claim in conflict.claims if claim.current)
    moved = council.model_copy(update={"seat": current + " (moved)"})
    start = _version(seeded)
    with pytest.raises(ChangesetError, match="current claim"):
        apply(seeded, _one(Operation.update("councils", moved)), COLLECTIONS)
    assert _version(seeded) == start
