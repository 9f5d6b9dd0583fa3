"""The errors a changeset can end in, and the portable reading of database errors.

A `ChangesetError` names where the problem is as a curator sees it: the data file of the
collection, the record (and nested item), the field. Database errors are classified here
(PostgreSQL reports SQLSTATEs and constraint names, SQLite only message text), so the step
can turn them into a `ChangesetError` without showing SQL or its parameters.
"""

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Table
from sqlalchemy.exc import DataError, DBAPIError, SQLAlchemyError

ErrorKind = Literal["invalid", "exists", "missing", "database", "conflict"]


class ChangesetError(Exception):
    """Nothing was changed: `file`, `record` and `field` say what is wrong, `kind` how
    (`invalid` data, a record that `exists` already or is `missing`, a `database` fault)."""

    def __init__(
        self,
        file: str,
        record: str | None,
        field: str | None,
        message: str,
        *,
        kind: ErrorKind = "invalid",
    ) -> None:
        self.file, self.record, self.field, self.message = file, record, field, message
        self.kind = kind
        where = file
        if record is not None:
            where += f", record {record}"
        if field is not None:
            where += f", field {field}"
        super().__init__(f"{where}: {message}")


class PreconditionFailed(Exception):
    """Raised by an operation's precondition (a stale `If-Match`): nothing is changed."""


ViolationKind = Literal["unique", "foreign-key", "not-null", "check", "data", "other"]

_SQLSTATES: dict[str, ViolationKind] = {
    "23505": "unique",
    "23503": "foreign-key",
    "23502": "not-null",
    "23514": "check",
}
_SQLITE_MESSAGES: dict[str, ViolationKind] = {
    "UNIQUE constraint failed": "unique",
    "FOREIGN KEY constraint failed": "foreign-key",
    "NOT NULL constraint failed": "not-null",
    "CHECK constraint failed": "check",
}


@dataclass(frozen=True)
class Violation:
    """What the database refused, and the columns it names (when it names any)."""

    kind: ViolationKind
    columns: tuple[str, ...]
    detail: str


def classify(error: SQLAlchemyError, table: Table | None = None) -> Violation:
    """The kind of a database error and the columns of `table` it is about."""
    original = error.orig if isinstance(error, DBAPIError) else None
    detail = _first_line(str(original if original is not None else error))
    sqlstate = str(getattr(original, "sqlstate", None) or "")
    if sqlstate in _SQLSTATES:
        diag = getattr(original, "diag", None)
        names = [getattr(diag, "constraint_name", None), getattr(diag, "column_name", None)]
        columns = _columns(table, [name for name in names if name])
        return Violation(_SQLSTATES[sqlstate], columns, detail)
    for prefix, kind in _SQLITE_MESSAGES.items():
        if detail.startswith(prefix):
            names = [name.strip() for name in detail[len(prefix) :].lstrip(":").split(",")]
            return Violation(kind, _columns(table, [name for name in names if name]), detail)
    if isinstance(error, DataError) or sqlstate.startswith("22"):
        return Violation("data", (), detail)
    return Violation("other", (), detail)


def _columns(table: Table | None, names: list[str]) -> tuple[str, ...]:
    """Columns from what a database names: `table.column`, a column or a constraint."""
    if table is None:
        return ()
    found: list[str] = []
    for name in names:
        column = name.removeprefix(f"{table.name}.").removeprefix(f"ck_{table.name}_")
        if column in table.c:
            found.append(column)
        else:
            found += _constraint_columns(table, name)
    return tuple(dict.fromkeys(found))


def _constraint_columns(table: Table, name: str) -> list[str]:
    columns = [
        column.name for index in table.indexes if index.name == name for column in index.columns
    ]
    for constraint in table.constraints:
        if constraint.name == name:
            columns += [column.name for column in getattr(constraint, "columns", ())]
    return columns


def _first_line(text: str) -> str:
    """The driver's message without the SQL, parameters and details it may append."""
    line = text.strip().splitlines()[0] if text.strip() else "unknown error"
    return line if len(line) <= 160 else line[:157] + "..."
