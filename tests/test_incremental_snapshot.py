"""An incremental snapshot (`build_snapshot(..., previous=...)`, what a process builds after
a write) serves exactly what a full build of the same version serves, after an edit to
each stored collection; and each collection's declared `shows` covers every table its
builder reads, so no edit can leave a collection that shows it stale."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import Engine, event
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.sql.util import find_tables
from sqlmodel import Session

from app.core.snapshot import CITATIONS, Snapshot, affected, build_snapshot
from app.registry import COLLECTIONS
from app.writes.changeset import Changeset, Operation
from app.writes.step import apply
from seed import SEED_DIR
from seed.loader import load
from seed.reader import Dataset, read_dataset

STORED = [spec.name for spec in COLLECTIONS if spec.storage is not None]
RECORD_KEYED = {"citations", "record_reviews", "derivations", "record_states"}
"""Tables whose rows belong to one record (`record_type`, `record_id`): a builder reads its
own collection's (what `CollectionSpec.shows` assumes of them)."""


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return read_dataset(SEED_DIR)


@pytest.fixture
def seeded(fresh_engine: Engine) -> Iterator[Engine]:
    load(fresh_engine)
    yield fresh_engine


def served(snapshot: Snapshot) -> dict[str, Any]:
    """Everything a request reads of a snapshot."""
    collections = {
        name: (
            [
                (i.id, dict(i.json), i.held, i.primary, i.exact, i.names, i.blob, i.sort_key)
                for i in data.items
            ],
            {key: item.id for key, item in data.by_id.items()},
            data.csv_header,
            data.by_day.bounds,
            [[item.id for item in span] for span in data.by_day.spans],
            [item.id for item in data.by_day.current],
        )
        for name, data in snapshot.collections.items()
    }
    needles = {item.blob[1:4] for _, item in snapshot.search.entries} | {"a", "zz", "council"}
    return {
        "head": (snapshot.version, snapshot.last_modified, snapshot.day, snapshot.tag),
        "dates": (snapshot.data_as_of, snapshot.sources_until),
        "tags": dict(snapshot.record_tags),
        "collections": collections,
        "search": [(name, item.id) for name, item in snapshot.search.entries],
        "candidates": {
            needle: [(name, item.id) for name, item in snapshot.search.candidates(needle)]
            for needle in sorted(needles)
        },
    }


def edited(record: BaseModel) -> BaseModel:
    """`record` with a later review date and, where it has one, an edited name or title
    (what other collections show of it)."""
    changes: dict[str, Any] = {}
    fields = type(record).model_fields
    if "reviewed" in fields:
        changes["reviewed"] = dt.date(2026, 11, 30)
    names = dict(getattr(record, "names", None) or {})
    if "en" in names:
        changes["names"] = {**names, "en": names["en"] + " (edited)"}
    for name in ("name", "title", "note"):
        if name in fields and isinstance(getattr(record, name), str):
            changes[name] = getattr(record, name) + " (edited)"
    return record.model_copy(update=changes)


@pytest.mark.parametrize("collection", STORED)
def test_an_incremental_snapshot_equals_a_full_build_after_an_edit(
    seeded: Engine, dataset: Dataset, collection: str
) -> None:
    previous = build_snapshot(seeded, COLLECTIONS)
    record = dataset.records[collection][0]
    changeset = Changeset(
        (Operation.update(collection, edited(record)),),
        author="test",
        summary="an edit",
        request_id="r",
    )
    applied = apply(seeded, changeset, COLLECTIONS)
    assert applied.changed

    incremental = build_snapshot(seeded, COLLECTIONS, previous=previous)
    full = build_snapshot(seeded, COLLECTIONS)

    assert served(incremental) == served(full)
    assert incremental.version == previous.version + 1
    assert collection in incremental.rebuilt
    assert served(full) != served(previous)
    # What nothing shows of the edit is kept, not read again. The edit leaves the record's
    # `sources` as they were: its citations changed only if nested items carry some.
    spec = next(spec for spec in COLLECTIONS if spec.name == collection)
    changed = {collection} | ({CITATIONS} if spec.citing_fields is None else set())
    unaffected = [spec.name for spec in COLLECTIONS if not affected(spec, changed)]
    for name in unaffected:
        assert incremental.collections[name] is previous.collections[name]
    assert set(incremental.rebuilt).isdisjoint(unaffected)


def write(engine: Engine, *operations: Operation) -> None:
    changeset = Changeset(operations, author="test", summary="s", request_id="r")
    assert apply(engine, changeset, COLLECTIONS).changed


def test_an_edit_that_leaves_the_citations_keeps_the_sources(
    seeded: Engine, dataset: Dataset
) -> None:
    """The sources count the citations of every collection: an edit that changes no
    record's `sources` leaves every count as it was, so they are not read again."""
    previous = build_snapshot(seeded, COLLECTIONS)
    write(seeded, Operation.update("officials", edited(dataset.records["officials"][0])))
    incremental = build_snapshot(seeded, COLLECTIONS, previous=previous)
    assert "sources" not in incremental.rebuilt
    assert incremental.collections["sources"] is previous.collections["sources"]
    assert served(incremental) == served(build_snapshot(seeded, COLLECTIONS))


def test_an_edit_of_a_records_citations_counts_them_again(seeded: Engine, dataset: Dataset) -> None:
    previous = build_snapshot(seeded, COLLECTIONS)
    record = dataset.records["officials"][0]
    cited = record.sources[0]  # type: ignore[attr-defined]
    write(
        seeded,
        Operation.update(
            "officials",
            record.model_copy(
                update={
                    "sources": [*record.sources, cited]  # type: ignore[attr-defined]
                }
            ),
        ),
    )
    incremental = build_snapshot(seeded, COLLECTIONS, previous=previous)
    assert "sources" in incremental.rebuilt
    full = build_snapshot(seeded, COLLECTIONS)
    assert served(incremental) == served(full)
    counted = full.collections["sources"].by_id[cited.source_id].record.citations
    assert counted == previous.collections["sources"].by_id[cited.source_id].record.citations + 1


def test_a_create_and_a_delete_count_the_citations_again(seeded: Engine, dataset: Dataset) -> None:
    """A new record brings its citations and a deleted one takes them away."""
    record = dataset.records["officials"][0]
    copy = edited(record).model_copy(update={"id": "incremental-test-copy"})
    snapshot = build_snapshot(seeded, COLLECTIONS)
    for operation in (
        Operation.create("officials", copy),
        Operation.delete("officials", "incremental-test-copy"),
    ):
        write(seeded, operation)
        incremental = build_snapshot(seeded, COLLECTIONS, previous=snapshot)
        assert "sources" in incremental.rebuilt
        assert served(incremental) == served(build_snapshot(seeded, COLLECTIONS))
        assert served(incremental) != served(snapshot)
        snapshot = incremental


def test_several_versions_since_the_previous_snapshot_are_read_together(
    seeded: Engine, dataset: Dataset
) -> None:
    """A replica that polls may see several versions at once: it reads again what any of
    them changed."""
    previous = build_snapshot(seeded, COLLECTIONS)
    for collection in ("councils", "officials"):
        record = dataset.records[collection][0]
        operation = Operation.update(collection, edited(record))
        apply(seeded, Changeset((operation,), author="t", summary="s", request_id="r"), COLLECTIONS)
    incremental = build_snapshot(seeded, COLLECTIONS, previous=previous)
    assert incremental.version == previous.version + 2
    assert {"councils", "officials"} <= set(incremental.rebuilt) < {s.name for s in COLLECTIONS}
    assert served(incremental) == served(build_snapshot(seeded, COLLECTIONS))


def test_a_version_the_feed_does_not_name_reads_everything(seeded: Engine) -> None:
    from app.models import DatasetVersion

    previous = build_snapshot(seeded, COLLECTIONS)
    with Session(seeded) as session, session.begin():
        row = session.get(DatasetVersion, 1)
        assert row is not None
        row.version += 1
    rebuilt = build_snapshot(seeded, COLLECTIONS, previous=previous)
    assert set(rebuilt.rebuilt) == {spec.name for spec in COLLECTIONS}
    assert served(rebuilt) == served(build_snapshot(seeded, COLLECTIONS))


def test_each_collection_shows_every_collection_whose_tables_its_builder_reads(
    seeded_engine: Engine,
) -> None:
    """Each builder runs in a session of its own (the shared queries are cached per
    session) while the tables of every statement are noted."""
    writers: dict[str, set[str]] = {}
    for spec in COLLECTIONS:
        for table in spec.storage.tables if spec.storage else ():
            writers.setdefault(table.name, set()).add(spec.name)
    for spec in COLLECTIONS:
        if spec.paged is not None:  # read from the database page by page, never built
            continue
        read: set[str] = set()
        with Session(seeded_engine) as session:

            @event.listens_for(session, "do_orm_execute")
            def note(state: ORMExecuteState, read: set[str] = read) -> None:
                read.update(t.name for t in find_tables(state.statement, include_joins=True))

            spec.build(session, dt.date.today())
        assert read, spec.name
        if spec.shows is None:
            continue
        # The sources count every collection's citations (the one builder that reads
        # citations not of its own records): they show CITATIONS.
        if spec.name == "sources":
            assert "citations" in read and CITATIONS in spec.shows
        shown = {
            writer for table in read - RECORD_KEYED for writer in writers.get(table, {spec.name})
        }
        assert shown - {spec.name} <= spec.shows, spec.name
