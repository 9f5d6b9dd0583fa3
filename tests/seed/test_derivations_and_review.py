"""Curated derivations are checked by the write step like citations (their premises must
exist), a write may not delete a record a derivation rests on, and review rules apply to
facts a curator writes; each on a record chosen by what the data files say."""

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from app.core.snapshot import build_snapshot
from app.registry import COLLECTIONS
from app.services.officials import HEAD_POSTS
from app.writes.changeset import Changeset, Operation
from app.writes.step import apply
from seed import SEED_DIR
from seed.errors import SeedError
from seed.loader import changeset, load
from seed.reader import Dataset, read_dataset
from tests.support import curate, data


def _derived(dataset: Dataset) -> Iterator[tuple[str, int, int, Any]]:
    """(collection, index of the record, index of the derivation, derivation) for every
    curated derivation of a record (not of a nested item), in file order."""
    for spec in COLLECTIONS:
        for index, record in enumerate(dataset.records.get(spec.name, [])):
            for position, derivation in enumerate(getattr(record, "derivations", [])):
                yield spec.name, index, position, derivation


def _premise(dataset: Dataset, kind: str) -> tuple[str, int, int, int]:
    """The first premise of that kind (`record` or `source_id`): where it is."""
    return next(
        (collection, index, position, at)
        for collection, index, position, derivation in _derived(dataset)
        for at, premise in enumerate(derivation.premises)
        if getattr(premise, kind) is not None
    )


def _edit(
    dataset: Dataset,
    collection: str,
    index: int,
    position: int,
    change: Callable[[Any], Any],
) -> Any:
    """The dataset with one derivation of one record replaced by `change(derivation)`."""
    record = dataset.records[collection][index]
    derivations = list(record.derivations)
    derivations[position] = change(derivations[position])
    dataset.records[collection][index] = record.model_copy(update={"derivations": derivations})
    return record


def _premise_edit(at: int, **update: Any) -> Callable[[Any], Any]:
    def change(derivation: Any) -> Any:
        premises = list(derivation.premises)
        premises[at] = premises[at].model_copy(update=update)
        return derivation.model_copy(update={"premises": premises})

    return change


@pytest.mark.parametrize("broken", ["record", "field", "source_id", "fields"])
def test_a_derivation_whose_premise_does_not_exist_is_refused(
    fresh_engine: Engine, broken: str
) -> None:
    """A premise naming a record that does not exist, a field its collection does not
    have, or a source not in the sources file, and a derivation giving a field its record
    does not have, are refused with the file, the record and the path of the fault."""
    dataset = read_dataset(SEED_DIR)
    if broken == "source_id":
        collection, index, position, at = _premise(dataset, "source_id")
        change = _premise_edit(at, source_id="nowhere")
        field = f"derivations.{position}.premises.{at}.source_id"
    elif broken == "fields":
        collection, index, position, _ = _premise(dataset, "record")
        change = lambda d: d.model_copy(update={"fields": [*d.fields, "birthday"]})  # noqa: E731
        field = f"derivations.{position}.fields"
    else:
        collection, index, position, at = _premise(dataset, "record")
        premise = dataset.records[collection][index].derivations[position].premises[at]
        target, _, _ = premise.record.partition("/")
        update = {"record": f"{target}/XX9"} if broken == "record" else {"field": "born"}
        change = _premise_edit(at, **update)
        field = f"derivations.{position}.premises.{at}.{broken}"
    record = _edit(dataset, collection, index, position, change)
    with pytest.raises(SeedError) as error:
        apply(fresh_engine, changeset(dataset), COLLECTIONS, dry_run=True)
    storage = next(s.storage for s in COLLECTIONS if s.name == collection)
    assert storage is not None
    assert (error.value.file, error.value.record, error.value.field) == (
        storage.file,
        record.id,
        field,
    )


def test_a_derivation_names_a_record_or_a_quote() -> None:
    dataset = read_dataset(SEED_DIR)
    collection, index, position, at = _premise(dataset, "record")
    premise = dataset.records[collection][index].derivations[position].premises[at]
    source = dataset.sources[0].id
    with pytest.raises(ValueError, match="not both"):
        type(premise).model_validate(
            {"record": premise.record, "source_id": source, "quote": "a quote of a record"}
        )


def test_a_write_may_not_delete_a_record_a_derivation_rests_on(fresh_engine: Engine) -> None:
    """A partial changeset that deletes the premise of another record's derivation is
    refused, naming the record whose derivation would lose its premise."""
    load(fresh_engine)
    dataset = read_dataset(SEED_DIR)
    collection, index, position, at = _premise(dataset, "record")
    holder = dataset.records[collection][index]
    target = holder.derivations[position].premises[at].record
    target_collection, _, target_id = target.partition("/")
    deletion = Changeset(
        (Operation.delete(target_collection, target_id),), author="test", summary="a test"
    )
    with pytest.raises(SeedError) as error:
        apply(fresh_engine, deletion, COLLECTIONS)
    assert error.value.field is not None and error.value.field.endswith(".record")
    assert target in str(error.value)


def test_an_ended_partnership_gives_its_end(seed_copy: Path) -> None:
    ended = next(p for p in data.records("partner-organizations") if p.status == "ended")
    curate.edit_record(
        seed_copy / "partner_organizations.toml",
        "partner_organizations",
        ended.id,
        f'until = "{ended.until}"\n',
        "",
    )
    with pytest.raises(SeedError, match="until"):
        read_dataset(seed_copy)


def test_a_head_of_the_secretariat_past_the_end_of_term_with_no_successor_is_flagged(
    fresh_engine: Engine,
) -> None:
    """Once the last head's term has ended and no successor is recorded, the record is no
    longer `current` and says a curator should find out what followed."""
    dataset = read_dataset(SEED_DIR)
    officials = dataset.records["officials"]
    heads = [o for o in officials if o.post in HEAD_POSTS]
    last = max(heads, key=lambda o: o.term_start or o.attested_from or "")
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    assert (last.term_start or last.attested_from or "") <= yesterday
    ended = type(last).model_validate(
        {**last.model_dump(by_alias=True), "term_end": yesterday, "attested_until": None}
    )
    officials[officials.index(last)] = ended
    apply(fresh_engine, changeset(dataset), COLLECTIONS)
    record = build_snapshot(fresh_engine, COLLECTIONS).collections["officials"].by_id[last.id]
    assert record.record.current is False
    assert [(r.rule, r.field) for r in record.record.review_reasons] == [
        ("expected-end-passed", "term_end")
    ]
    assert any(d.fields == ["current"] and d.computed for d in record.record.derivations)


def test_the_review_period_is_a_setting(fresh_engine: Engine) -> None:
    """A longer review period flags fewer current states as unattested."""
    load(fresh_engine)

    def flagged(months: int) -> set[str]:
        snapshot = build_snapshot(fresh_engine, COLLECTIONS, review_after_months=months)
        return {
            item.id
            for item in snapshot.collections["members"].items
            if any(r.rule == "not-attested" for r in item.record.review_reasons)
        }

    members = build_snapshot(fresh_engine, COLLECTIONS).collections["members"].items
    undated = {item.id for item in members if item.record.last_attested is None}
    default, longer = flagged(12), flagged(1200)
    assert longer <= default
    assert longer == undated  # a century covers every dated source; no date, no evidence


def _nested_derivation(dataset: Dataset) -> tuple[str, int, Any, int]:
    """The first curated derivation of a nested item (a CBM area): (collection, index of
    the record, the item, index of the derivation)."""
    return next(
        (spec.name, index, item, position)
        for spec in COLLECTIONS
        for index, record in enumerate(dataset.records.get(spec.name, []))
        for item in getattr(record, "areas", [])
        for position, _ in enumerate(item.derivations)
    )


def _found(snapshot: Any, collection: str, record_id: str) -> Any:
    item = snapshot.collections[collection].find(record_id)
    assert item is not None, (collection, record_id)
    return item.record


def test_a_derivation_is_part_of_its_records_value(fresh_engine: Engine) -> None:
    """A curated derivation goes through the write step like a citation: a changed rule
    (of a record, or of a nested item) is a change of that record's `derivations`, in the
    change feed and in its stored value, and the API serves the new rule."""
    from sqlalchemy import select
    from sqlmodel import Session

    from app.models import RecordState

    load(fresh_engine)
    dataset = read_dataset(SEED_DIR)
    collection, index, position, _ = next(_derived(dataset))
    rule = "A rule a curator rewrote, for the test."
    record = _edit(
        dataset, collection, index, position, lambda d: d.model_copy(update={"rule": rule})
    )
    nested_collection, nested_index, area, at = _nested_derivation(dataset)
    holder = dataset.records[nested_collection][nested_index]
    derivations = list(area.derivations)
    derivations[at] = derivations[at].model_copy(update={"rule": rule + " (nested)"})
    areas = [
        a.model_copy(update={"derivations": derivations}) if a.id == area.id else a
        for a in holder.areas
    ]
    dataset.records[nested_collection][nested_index] = holder.model_copy(update={"areas": areas})

    applied = apply(fresh_engine, changeset(dataset), COLLECTIONS)
    changes = applied.by_record()
    assert {key for key, change in changes.items() if change.rows_changed} == {
        (collection, record.id),
        (nested_collection, holder.id),
    }
    assert changes[(collection, record.id)].fields == ["derivations"]
    assert changes[(nested_collection, holder.id)].fields == ["areas"]
    assert applied.updated["derivations"] == 2
    with Session(fresh_engine) as session:
        value = session.execute(
            select(RecordState.value).where(
                RecordState.collection == collection, RecordState.record_id == record.id
            )
        ).scalar_one()
    assert value["derivations"][position]["rule"] == rule
    snapshot = build_snapshot(fresh_engine, COLLECTIONS)
    served = _found(snapshot, collection, record.id)
    assert rule in {d.rule for d in served.derivations if not d.computed}
    dimension = _found(snapshot, nested_collection, holder.id)
    served_area = next(a for a in dimension.priority_areas if a.id == area.id)
    assert rule + " (nested)" in {d.rule for d in served_area.derivations}
