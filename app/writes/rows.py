"""Bring tables in line with the rows records want, in one transaction, with SQLAlchemy Core.

Two things make this robust:

* Unique columns outside the natural key (a reform area's `position`, say) may be swapped
  or reused between records. Before a table's rows get their new values, every row whose
  unique value another row is about to take is moved to a placeholder, so no statement
  collides with a value that is only on its way out.
* Every row knows the file and record it comes from. A database error rolls the whole
  changeset back; the step then runs it again, row by row, to find the record at fault
  and name it (`ChangesetError`). That re-run happens only on failure: the normal path
  writes each table with one statement per kind of change.
"""

import datetime as dt
import itertools
import string
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    String,
    UniqueConstraint,
    and_,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy import Table as SqlTable
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel import Session, SQLModel

from app.core.storage import Table, Values
from app.writes.errors import ChangesetError, Violation, classify
from app.writes.plan import Desired, Key, Origin, key_of

DATABASE = "database"
"""What a `ChangesetError` names when no data file is at fault."""
IGNORED_COLUMNS = frozenset({"id", "updated_at"})
"""Never compared: the surrogate key and the time of the last change."""


def sql_table(model: type[SQLModel]) -> SqlTable:
    name = model.__tablename__
    assert isinstance(name, str)
    return SQLModel.metadata.tables[name]


def table_order(models: set[type[SQLModel]]) -> list[type[SQLModel]]:
    """Parents before children (foreign keys decide); deletions run in reverse."""
    position = {table.name: n for n, table in enumerate(SQLModel.metadata.sorted_tables)}
    return sorted(models, key=lambda model: position[sql_table(model).name])


def read_rows(
    session: Session, table: Table, candidates: Iterable[Key] | None = None
) -> list[Values]:
    """The table's rows; with `candidates` (natural keys), at least the rows holding one of
    them (each key column is narrowed to the values the candidates give it, where none of
    them is null), and no row at all when there are no candidates."""
    statement = select(sql_table(table.model))
    if candidates is not None:
        keys = list(candidates)
        if not keys:
            return []
        columns = sql_table(table.model).c
        for position, name in enumerate(table.key):
            values = {key[position] for key in keys}
            if None not in values:
                statement = statement.where(columns[name].in_(values))
    return [dict(row) for row in session.execute(statement).mappings()]


@dataclass
class Update:
    row: Values
    changes: Values
    desired: Desired


@dataclass
class Removal:
    row: Values
    origin: Origin
    owners: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class TableChanges:
    """What one table needs: rows to insert, to update and (at the end) to delete."""

    table: Table
    existing: list[Values]
    desired: Mapping[Key, Desired]
    inserts: list[Desired] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    deletes: list[Removal] = field(default_factory=list)


def diff_table(
    table: Table,
    existing: list[Values],
    desired: Mapping[Key, Desired],
    leaving: Callable[[Key, Values], Removal | None],
    foreign: Callable[[Key, Desired], None],
) -> TableChanges:
    """`leaving` says whether an existing row no record wants goes (and whose it was);
    `foreign` is told of an existing row a record wants but did not own before."""
    changes = TableChanges(table, existing, desired)
    matched: set[Key] = set()
    for row in existing:
        key = key_of(row, table.key)
        wanted = desired.get(key)
        if wanted is None:
            removal = leaving(key, row)
            if removal is not None:
                changes.deletes.append(removal)
            continue
        matched.add(key)
        foreign(key, wanted)
        different = {
            name: value
            for name, value in wanted.values.items()
            if name not in IGNORED_COLUMNS and row.get(name) != value
        }
        if different:
            changes.updates.append(Update(row, different, wanted))
    changes.inserts = [wanted for key, wanted in desired.items() if key not in matched]
    return changes


@dataclass
class _Place:
    """What the writer was executing: one row (diagnostic pass) or a whole table."""

    model: type[SQLModel]
    origin: Origin
    values: Values = field(default_factory=dict)
    deleting: bool = False
    batch: bool = False


class Failure(Exception):
    """A database error already turned into a `ChangesetError`; `diagnosable` when a
    row-by-row re-run could name the record at fault."""

    def __init__(self, error: ChangesetError, *, diagnosable: bool) -> None:
        super().__init__(str(error))
        self.error, self.diagnosable = error, diagnosable


class Writer:
    """Writes `TableChanges` in a session. In diagnostic mode every row is written on its
    own, so a database error points at it."""

    def __init__(
        self,
        session: Session,
        *,
        diagnose: bool,
        now: dt.datetime,
        files: Mapping[type[SQLModel], str],
    ) -> None:
        self.session, self.diagnose, self.now, self.files = session, diagnose, now, files
        self.place: _Place | None = None
        self.changes: list[TableChanges] = []

    def write(self, tables: list[TableChanges]) -> None:
        self.changes = tables
        for changes in tables:
            self._park(changes)
            self._update(changes)
            self._insert(changes)
        for changes in reversed(tables):
            self._delete(changes)

    # --- the statements ----------------------------------------------------------------

    def _park(self, changes: TableChanges) -> None:
        """Move unique values that another row is about to take to placeholders."""
        parked = _rows_to_park(changes)
        if not parked:
            return
        table = sql_table(changes.table.model)
        placeholders: dict[str, Iterator[Any]] = {}
        for row, update_, origin, columns in parked:
            values: Values = {}
            for name in sorted(columns):
                if name not in placeholders:
                    taken = {r.get(name) for r in changes.existing}
                    taken |= {d.values.get(name) for d in changes.desired.values()}
                    placeholders[name] = _placeholders(table.c[name], taken)
                values[name] = next(placeholders[name])
                if update_ is not None:  # its final value must be written back
                    update_.changes[name] = update_.desired.values[name]
            self._execute(
                update(table).where(_where(table, row)).values(values),
                None,
                _Place(changes.table.model, origin, batch=not self.diagnose),
            )

    def _update(self, changes: TableChanges) -> None:
        table = sql_table(changes.table.model)
        for each in changes.updates:
            self._execute(
                update(table)
                .where(_where(table, each.row))
                .values({**each.changes, "updated_at": self.now}),
                None,
                _Place(
                    changes.table.model,
                    each.desired.origin,
                    each.desired.values,
                    batch=not self.diagnose,
                ),
            )

    def _insert(self, changes: TableChanges) -> None:
        if not changes.inserts:
            return
        table = sql_table(changes.table.model)
        rows = [{**d.values, "updated_at": self.now} for d in changes.inserts]
        if not self.diagnose:
            origin = Origin(self.files.get(changes.table.model, DATABASE))
            self._execute(insert(table), rows, _Place(changes.table.model, origin, batch=True))
            return
        for desired, row in zip(changes.inserts, rows, strict=True):
            self._execute(
                insert(table), [row], _Place(changes.table.model, desired.origin, desired.values)
            )

    def _delete(self, changes: TableChanges) -> None:
        if not changes.deletes:
            return
        table = sql_table(changes.table.model)
        keys = [column.name for column in table.primary_key.columns]
        statement = delete(table).where(
            and_(*(table.c[name] == bindparam(f"pk_{name}") for name in keys))
        )
        params = [{f"pk_{name}": removal.row[name] for name in keys} for removal in changes.deletes]
        if not self.diagnose:
            origin = Origin(self.files.get(changes.table.model, DATABASE))
            place = _Place(changes.table.model, origin, deleting=True, batch=True)
            self._execute(statement, params, place)
            return
        for removal, param in zip(changes.deletes, params, strict=True):
            place = _Place(changes.table.model, removal.origin, deleting=True)
            self._execute(statement, [param], place)

    def _execute(self, statement: Any, params: list[Values] | None, place: _Place) -> None:
        """Run a statement, remembering what for: an error is reported against `place`."""
        self.place = place
        if params is None:
            self.session.execute(statement)
        else:
            self.session.execute(statement, params)
        self.place = None

    # --- errors ------------------------------------------------------------------------

    def failure(self, error: SQLAlchemyError) -> Failure:
        """The `ChangesetError` for a database error raised while at `self.place`."""
        place = self.place
        if place is None or isinstance(error, OperationalError):
            # Not about a row (a lost connection, a lock, a missing table): no re-run helps.
            return Failure(
                ChangesetError(DATABASE, None, None, classify(error).detail, kind="database"),
                diagnosable=False,
            )
        violation = classify(error, sql_table(place.model))
        column, message = _explain(violation, place, self._desired(place.model))
        table = next((c.table for c in self.changes if c.table.model is place.model), None)
        field_name = table.fields.get(column, column) if table and column else column
        return Failure(place.origin.error(field_name, message), diagnosable=place.batch)

    def _desired(self, model: type[SQLModel]) -> Mapping[Key, Desired]:
        return next((c.desired for c in self.changes if c.table.model is model), {})


def _where(table: SqlTable, row: Values) -> Any:
    return and_(*(column == row[column.name] for column in table.primary_key.columns))


def _explain(
    violation: Violation, place: _Place, desired: Mapping[Key, Desired]
) -> tuple[str | None, str]:
    """The column at fault (when known) and a short message, free of SQL."""
    columns = violation.columns
    column = columns[-1] if columns else None
    if violation.kind == "unique":
        other = _same_values(desired, place, columns)
        what = " and ".join(columns) or "unique value"
        if other is None:
            return column, f"{what} already taken"
        return column, f"same {what} as record {other.label()}"
    if violation.kind == "foreign-key":
        if place.deleting:
            return column, "no longer in the files, but other records still refer to it"
        return column, "refers to a record that does not exist"
    if violation.kind == "not-null":
        return column, "a value is required"
    if violation.kind == "check":
        return column, "value not allowed"
    if violation.kind == "data":
        return column or _too_long(place), "a value is too long or of the wrong type"
    return column, f"rejected by the database: {violation.detail}"


def _same_values(
    desired: Mapping[Key, Desired], place: _Place, columns: tuple[str, ...]
) -> Origin | None:
    """The other desired row holding the same values in `columns`, if one does."""
    if not columns or not place.values:
        return None
    wanted = tuple(place.values.get(name) for name in columns)
    for other in desired.values():
        if other.origin != place.origin and tuple(other.values.get(n) for n in columns) == wanted:
            return other.origin
    return None


def _too_long(place: _Place) -> str | None:
    """The first string longer than its column allows (SQLite never checks; PostgreSQL
    does, without naming the column)."""
    table = sql_table(place.model)
    for name, value in place.values.items():
        column_type = _sql_type(table.c[name]) if name in table.c else None
        length = column_type.length if isinstance(column_type, String) else None
        if isinstance(value, str) and length is not None and len(value) > length:
            return name
    return None


# --- Unique columns ------------------------------------------------------------------------


@cache
def unique_column_sets(model: type[SQLModel], key: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The column sets a table keeps unique that an upsert may change: every unique
    constraint or index, except those within the natural key or including the primary key
    (matched rows never change those)."""
    table = sql_table(model)
    groups = [c.columns for c in table.constraints if isinstance(c, UniqueConstraint)]
    groups += [index.columns for index in table.indexes if index.unique]
    found: list[tuple[str, ...]] = []
    for columns in groups:
        names = tuple(column.name for column in columns)
        if set(names) <= set(key) or any(column.primary_key for column in columns):
            continue
        found.append(names)
    return tuple(found)


Parked = tuple[Values, Update | None, Origin, set[str]]


def _rows_to_park(changes: TableChanges) -> list[Parked]:
    """Rows holding a unique value that another desired row wants, with the columns to
    move out of the way: updated rows whose value changes and rows to be deleted."""
    unique_sets = unique_column_sets(changes.table.model, changes.table.key)
    if not unique_sets or not (changes.updates or changes.deletes):
        return []
    desired = changes.desired.values()
    wanted = {names: {_values(d.values, names) for d in desired} for names in unique_sets}
    leaving: list[tuple[Values, Update | None, Origin]] = [
        (u.row, u, u.desired.origin) for u in changes.updates
    ]
    leaving += [(r.row, None, r.origin) for r in changes.deletes]
    parked: list[Parked] = []
    for row, update_, origin in leaving:
        columns: set[str] = set()
        for names in unique_sets:
            held = _values(row, names)
            keeps = update_ is not None and _values(update_.desired.values, names) == held
            if None not in held and not keeps and held in wanted[names]:
                columns |= set(names) - set(changes.table.key)
        if columns:
            parked.append((row, update_, origin, columns))
    return parked


def _values(values: Values, names: tuple[str, ...]) -> Key:
    return tuple(values.get(name) for name in names)


def _placeholders(column: Column[Any], taken: set[Any]) -> Iterator[Any]:
    """Values for a unique column that no row holds or wants: NULL (which never collides)
    when allowed, else negative numbers or short `~` strings."""
    column_type = _sql_type(column)
    if column.nullable:
        return itertools.repeat(None)
    if isinstance(column_type, Integer):
        return (value for value in itertools.count(-1, -1) if value not in taken)
    if isinstance(column_type, String):
        length = column_type.length
        strings = (f"~{_base36(number)}" for number in itertools.count())
        return (
            value
            for value in itertools.takewhile(lambda s: length is None or len(s) <= length, strings)
            if value not in taken
        )
    raise TypeError(f"no placeholder values for unique column {column} of type {column.type}")


def _sql_type(column: Column[Any]) -> TypeEngine[Any]:
    """The column's type, seen through a decorator (SQLModel's `AutoString` wraps `String`)."""
    column_type = column.type
    return column_type.impl_instance if isinstance(column_type, TypeDecorator) else column_type


def _base36(number: int) -> str:
    digits = string.digits + string.ascii_lowercase
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
        if number == 0:
            return text
