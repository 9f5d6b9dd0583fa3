"""The rows records want: what each collection's `Storage.rows` gives, plus the rows every
cited record has (a citation per entry of its `sources` and a derivation per entry of its
`derivations`, of its own and of its nested items, and a review row for its `reviewed`),
each with where it comes from and who owns it.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlmodel import SQLModel

from app.core.storage import Cited, RecordError, Table, Values
from app.models import Citation, Derivation, RecordReview
from app.spec import CollectionSpec
from app.writes.changeset import RecordKey
from app.writes.errors import ChangesetError, ErrorKind
from app.writes.world import citable_fields

CITATIONS = Table(Citation, key=("record_type", "record_id", "position"))
DERIVATIONS = Table(Derivation, key=("record_type", "record_id", "position"))
REVIEWS = Table(RecordReview, key=("record_type", "record_id"))
Key = tuple[Any, ...]


@dataclass(frozen=True)
class Origin:
    """Where a row comes from: a data file, a record in it (`<record>.<item>` for a nested
    item) and the path of a nested row (`history.0`, `sources.2`)."""

    file: str
    record: str | None = None
    path: str | None = None

    def error(
        self, field_name: str | None, message: str, *, kind: ErrorKind = "invalid"
    ) -> ChangesetError:
        parts = [part for part in (self.path, field_name) if part]
        return ChangesetError(self.file, self.record, ".".join(parts) or None, message, kind=kind)

    def label(self) -> str:
        return " ".join(part for part in (self.record, self.path) if part)


@dataclass
class Desired:
    """A row some records want, and which records (several for a shared row)."""

    values: Values
    origin: Origin
    owners: list[RecordKey]


@dataclass
class Plan:
    """The desired rows of a set of records, by table and natural key."""

    tables: dict[type[SQLModel], Table] = field(default_factory=dict)
    rows: dict[type[SQLModel], dict[Key, Desired]] = field(default_factory=dict)

    def add(self, table: Table, values: Values, origin: Origin, owner: RecordKey) -> None:
        """Two rows with one natural key would overwrite each other: refused, unless the
        table is shared and both give the same values (then the row has two owners)."""
        self.tables.setdefault(table.model, table)
        rows = self.rows.setdefault(table.model, {})
        key = key_of(values, table.key)
        other = rows.get(key)
        if other is None:
            rows[key] = Desired(values, origin, [owner])
            return
        if table.shared:
            differ = [name for name in values if values[name] != other.values.get(name)]
            if not differ:
                other.owners.append(owner)
                return
            names = [table.fields.get(name, name) for name in differ]
            raise origin.error(
                names[0],
                f"also in {other.origin.file} (record {other.origin.label()}) with different "
                f"{', '.join(dict.fromkeys(names))}: give both the same",
            )
        if table.key == ("id",) and origin.path is None:
            raise origin.error("id", f"same id as record {other.origin.label()}")
        raise origin.error(None, f"duplicates record {other.origin.label()}")

    def of(self, model: type[SQLModel]) -> dict[Key, Desired]:
        return self.rows.get(model, {})


def key_of(values: Values, key: tuple[str, ...]) -> Key:
    return tuple([values.get(name) for name in key])


def cited_items(spec: CollectionSpec[Any, Any], record: Any) -> Iterator[Cited]:
    """Everything in a record that carries citations (and derivations): itself, then its
    nested items."""
    storage = spec.storage
    assert storage is not None
    if "sources" in storage.schema.model_fields:
        yield Cited(
            spec.name,
            record.id,
            record.sources,
            citable=citable_fields(spec),
            derivations=getattr(record, "derivations", []),
        )
    if storage.cited is not None:
        yield from storage.cited(record)


def label(record_id: str, item: str | None) -> str:
    return f"{record_id}.{item}" if item else record_id


def record_rows(
    spec: CollectionSpec[Any, Any], record: BaseModel
) -> Iterator[tuple[Table, Values, Origin]]:
    """Every row one record wants, with its origin."""
    storage = spec.storage
    assert storage is not None
    record_id = str(getattr(record, "id"))  # noqa: B009
    try:
        own = list(storage.rows(record))
    except RecordError as exc:
        raise record_error(storage.file, record_id, exc) from None
    if not own:
        # Its citations alone would reach the database: announced, but never served.
        raise ChangesetError(
            storage.file, record_id, None, f"stored in no table: {spec.name}'s `rows` gave none"
        )
    for row in own:
        yield (
            storage.table(row.model),
            row.values,
            Origin(storage.file, label(record_id, row.item), row.path),
        )
    for cited in cited_items(spec, record):
        where = label(record_id, cited.item)
        for position, citation in enumerate(cited.sources):
            yield (
                CITATIONS,
                {
                    "record_type": cited.record_type,
                    "record_id": cited.record_id,
                    "position": position,
                    **citation.model_dump(),
                },
                Origin(storage.file, where, f"sources.{position}"),
            )
        for position, derivation in enumerate(cited.derivations):
            yield (
                DERIVATIONS,
                {
                    "record_type": cited.record_type,
                    "record_id": cited.record_id,
                    "position": position,
                    "fields": derivation.fields,
                    "rule": derivation.rule,
                    "premises": [premise.as_row() for premise in derivation.premises],
                },
                Origin(storage.file, where, f"derivations.{position}"),
            )
    reviewed = getattr(record, "reviewed", None)
    if reviewed is not None and "reviewed" in storage.schema.model_fields:
        yield (
            REVIEWS,
            {"record_type": spec.name, "record_id": record_id, "reviewed": reviewed},
            Origin(storage.file, record_id),
        )


def record_error(file: str, record_id: str, error: RecordError) -> ChangesetError:
    return ChangesetError(file, label(record_id, error.item), error.field, error.message)


RecordRows = tuple[RecordKey, list[tuple[Table, Values, Origin]]]
"""A record and the rows it wants."""


def rows_of(records: Iterable[tuple[CollectionSpec[Any, Any], BaseModel]]) -> list[RecordRows]:
    """Each record's rows: a record its collection cannot store (a code ISO does not
    assign) fails here, before any check that reads other records."""
    return [
        ((spec.name, str(getattr(record, "id"))), list(record_rows(spec, record)))  # noqa: B009
        for spec, record in records
    ]


def plan(records: Iterable[RecordRows]) -> Plan:
    """The rows of every record together, each natural key once (see `Plan.add`)."""
    desired = Plan()
    for owner, rows in records:
        for table, values, origin in rows:
            desired.add(table, values, origin, owner)
    return desired
