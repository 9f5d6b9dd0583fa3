"""What a changeset did to each record, recorded in its own transaction: the record's new
value (`record_states`), a change-feed entry for each record whose rows changed
(`changes`), and the dataset version those entries belong to (`dataset_version`).

The feed tells what the rows became: a record is announced when its rows changed (so a
record that reaches its tables is never "0 changes", and one that reaches none is never
announced); the fields named are those its value changed, as its data file writes them.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, insert, update
from sqlmodel import Session, col

from app.models import Change, DatasetVersion, RecordState
from app.writes.changeset import RecordChange, RecordKey, Value

EMPTY: tuple[Any, ...] = (None, [], {})
NOT_STORED = frozenset({"unverified"})
"""Never part of a stored value: an unverified record is never stored."""


def value_of(record: BaseModel) -> Value:
    """A record as its create schema writes it: JSON, field names as the data files."""
    return record.model_dump(mode="json", by_alias=True, exclude=set(NOT_STORED))


def present(value: Mapping[str, Any]) -> list[str]:
    """The fields a value gives (a default that is empty counts as not given)."""
    return sorted(name for name, each in value.items() if each not in EMPTY)


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The fields whose values differ (empty and absent are the same)."""
    names = before.keys() | after.keys()
    return sorted(name for name in names if _given(before.get(name)) != _given(after.get(name)))


def _given(value: Any) -> Any:
    return None if value in EMPTY else value


def record_change(
    key: RecordKey,
    *,
    stored: bool,
    before: Value | None,
    after: Value | None,
    rows_changed: bool,
    schema_fields: Iterable[str],
) -> RecordChange | None:
    """What happened to one record: None when neither its value nor its rows changed.

    `stored` says the record existed; `before` is its value (None when it did not exist or
    its value was stored before values were kept)."""
    collection, record_id = key
    if after is None:
        if not stored:
            return None
        fields = present(before) if before is not None else sorted(schema_fields)
        return RecordChange(collection, record_id, "deleted", fields, before, None, rows_changed)
    if not stored:
        return RecordChange(
            collection, record_id, "created", present(after), None, after, rows_changed
        )
    if before == after and not rows_changed:
        return None
    fields = changed_fields(before, after) if before is not None else []
    if rows_changed and not fields:
        # The rows changed though the value did not (or its old value is unknown): the
        # way the record is stored changed. Say every field, never "nothing".
        fields = present(after)
    return RecordChange(collection, record_id, "updated", fields, before, after, rows_changed)


def store_values(session: Session, changes: Iterable[RecordChange], *, now: dt.datetime) -> None:
    """Keep each changed record's new value."""
    inserts: list[dict[str, Any]] = []
    for change in changes:
        where = (col(RecordState.collection) == change.collection) & (
            col(RecordState.record_id) == change.record_id
        )
        if change.after is None:
            session.execute(delete(RecordState).where(where))
        elif change.action == "created":
            inserts.append(
                {
                    "collection": change.collection,
                    "record_id": change.record_id,
                    "value": change.after,
                    "updated_at": now,
                }
            )
        else:
            session.execute(
                update(RecordState).where(where).values(value=change.after, updated_at=now)
            )
    if inserts:
        session.execute(insert(RecordState), inserts)


def append_feed(
    session: Session,
    changes: Iterable[RecordChange],
    *,
    version: int,
    now: dt.datetime,
    revisions: Mapping[RecordKey, int] | None = None,
) -> None:
    """One entry per record whose rows changed, in collection and id order, each linked to
    the record's revision (`revisions`: its number, by record)."""
    entries = [
        {
            "version": version,
            "changed_at": now,
            "collection": change.collection,
            "record_id": change.record_id,
            "action": change.action,
            "fields": change.fields,
            "revision": (revisions or {}).get((change.collection, change.record_id)),
        }
        for change in sorted(changes, key=lambda c: (c.collection, c.record_id))
        if change.rows_changed
    ]
    if entries:
        session.execute(insert(Change), entries)


def bump_version(session: Session, *, changed: bool, now: dt.datetime) -> int:
    """The dataset version after this changeset: one more when any row changed."""
    row = session.get(DatasetVersion, 1)
    if row is None:
        row = DatasetVersion(id=1, version=0, updated_at=now)
        session.add(row)
    if changed:
        row.version += 1
        row.updated_at = now
        session.add(row)
    session.flush()
    return row.version
