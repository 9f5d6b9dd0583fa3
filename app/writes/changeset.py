"""A changeset: record operations applied together, and what applying them did.

A seed run is the changeset that brings the database in line with the data files (`put`
every record of the files, `complete=True`); a maintainer's write (later) is a changeset of
one operation. Both are applied by the same step (`app.writes.step.apply`).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from app.models.change import ChangeAction

Action = Literal["create", "update", "put", "delete"]
"""`put` creates the record or updates it, whichever applies (what a seed does)."""
RecordKey = tuple[str, str]
"""(collection, record id)."""
Value = dict[str, Any]
"""A record as its create schema writes it (JSON, field names as in the data files)."""
Precondition = Callable[[Value | None], None]


@dataclass(frozen=True)
class Operation:
    collection: str
    record_id: str
    action: Action
    value: BaseModel | None = None
    """The record, validated by its collection's create schema; None for `delete`."""
    precondition: Precondition | None = None
    """Called under the writers' lock, before anything is written, with the record's
    current value (None when there is none); raises `PreconditionFailed` to refuse."""

    @classmethod
    def create(cls, collection: str, value: BaseModel, **options: Any) -> "Operation":
        return cls(collection, _id(value), "create", value, **options)

    @classmethod
    def update(cls, collection: str, value: BaseModel, **options: Any) -> "Operation":
        return cls(collection, _id(value), "update", value, **options)

    @classmethod
    def put(cls, collection: str, value: BaseModel, **options: Any) -> "Operation":
        return cls(collection, _id(value), "put", value, **options)

    @classmethod
    def delete(cls, collection: str, record_id: str, **options: Any) -> "Operation":
        return cls(collection, record_id, "delete", None, **options)

    @property
    def key(self) -> RecordKey:
        return (self.collection, self.record_id)


def _id(value: BaseModel) -> str:
    return str(getattr(value, "id"))  # noqa: B009 (every create schema has an id)


@dataclass(frozen=True)
class Changeset:
    operations: tuple[Operation, ...]
    author: str
    """Who applies it: `seed`, or (later) the name of an API key."""
    summary: str
    """Why, in a few words."""
    request_id: str | None = None
    complete: bool = False
    """The operations are the whole dataset (a seed run): every record not among them is
    deleted, and so is every row no record produces."""
    merge: bool = False
    """A seed run: merged with the API's edits since the last seed (`app.writes.merge`)
    instead of overwriting them; needs `complete`."""
    prefer: Literal["files", "database"] | None = None
    """Which side wins where a record changed both in its file and through the API (None:
    such a conflict refuses the whole changeset)."""


@dataclass(frozen=True)
class RecordChange:
    """What applying a changeset did to one record."""

    collection: str
    record_id: str
    action: ChangeAction
    fields: list[str]
    """The fields (as the data file writes them) that changed; every field of a created
    or deleted record."""
    before: Value | None
    """The record before, as its create schema writes it (None: it did not exist)."""
    after: Value | None
    """The record after (None: it was deleted)."""
    rows_changed: bool
    """Its table rows changed: only then is it in the change feed (a value that stores
    the same rows, such as a name override equal to the default, changes no row)."""


@dataclass
class Applied:
    """What a changeset did (or, in a dry run, would do)."""

    changeset: Changeset
    version: int = 0
    """The dataset version after it (unchanged when no row changed)."""
    changes: list[RecordChange] = field(default_factory=list)
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    """Rows per table."""

    @property
    def records(self) -> int:
        """Entries added to the change feed."""
        return sum(change.rows_changed for change in self.changes)

    @property
    def changed(self) -> bool:
        return any((*self.inserted.values(), *self.updated.values(), *self.deleted.values()))

    def by_record(self) -> Mapping[RecordKey, RecordChange]:
        return {(c.collection, c.record_id): c for c in self.changes}

    def summary(self) -> str:
        parts = []
        for table in sorted({*self.inserted, *self.updated, *self.deleted}):
            counts = (
                self.inserted.get(table, 0),
                self.updated.get(table, 0),
                self.deleted.get(table, 0),
            )
            if any(counts):
                parts.append(f"{table}: +{counts[0]} ~{counts[1]} -{counts[2]}")
        changes = "; ".join(parts) if parts else "no changes"
        return f"{changes}; {self.records} record changes (dataset version {self.version})"
