"""Seeds and API edits together: a seed run merges the data files with the database, the
way version control merges two branches, with what the last seed read as the base
(`seed_states`).

For each record, with F its value in the files, D in the database and S what the last
seed read (absent counts as a value: not there):

* D = S: nobody edited it through the API since the last seed; the files win (F).
* F = S: its file did not change since the last seed; the API edit is kept (D), even a
  deletion, and a record created through the API stays.
* F = D: both say the same.
* otherwise it changed in both: a conflict. The seed refuses (nothing written) and lists
  them, unless told which side wins (`prefer`: `files` or `database`).

The database is the source of truth once seeded; `cica-api export` writes it back as data
files, so an edit is reviewed and committed and the next seed agrees with it.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlmodel import Session, col

from app.models import Revision, SeedState
from app.writes.changeset import RecordKey, Value
from app.writes.errors import ChangesetError
from app.writes.feed import EMPTY, changed_fields

Prefer = Literal["files", "database"]
Side = Literal["files", "database"]


@dataclass(frozen=True)
class Conflict:
    collection: str
    record_id: str
    file: str
    in_files: list[str]
    """The fields the file changed since the last seed (all: added or removed there)."""
    in_database: list[str]
    """The fields changed through the API since the last seed."""
    by: str | None
    """Who made the newest API change (its revision's author)."""

    def describe(self) -> str:
        files = ", ".join(self.in_files) or "the record"
        database = ", ".join(self.in_database) or "the record"
        who = f" by {self.by}" if self.by else ""
        return (
            f"{self.file} {self.record_id}: the file changed {files}; "
            f"the API changed {database}{who}"
        )


class SeedConflict(ChangesetError):
    """Records changed both in their files and through the API since the last seed."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts
        listed = "; ".join(conflict.describe() for conflict in conflicts)
        super().__init__(
            "seed",
            None,
            None,
            f"{len(conflicts)} record(s) changed both in the files and through the API since "
            f"the last seed: {listed}. Export the database (`cica-api export DIR`) and merge "
            "by hand, or choose a side with --prefer files|database",
            kind="conflict",
        )


def read_base(session: Session) -> dict[RecordKey, Value]:
    """What the last seed read from the files, by record."""
    rows = session.execute(
        select(col(SeedState.collection), col(SeedState.record_id), col(SeedState.value))
    )
    return {(collection, record_id): value for collection, record_id, value in rows}


def write_base(session: Session, files: Mapping[RecordKey, Value]) -> None:
    """Remember what this seed read: the next one's base."""
    session.execute(SeedState.__table__.delete())  # type: ignore[attr-defined]
    if files:
        session.execute(
            SeedState.__table__.insert(),  # type: ignore[attr-defined]
            [{"collection": c, "record_id": r, "value": v} for (c, r), v in files.items()],
        )


def same(one: Value | None, other: Value | None) -> bool:
    """Equal records (an empty value and an absent one are the same)."""
    if one is None or other is None:
        return one is None and other is None
    return _given(one) == _given(other)


def _given(value: Value) -> dict[str, Any]:
    return {name: each for name, each in value.items() if each not in EMPTY}


def _fields(old: Value | None, new: Value | None) -> list[str]:
    if old is None or new is None:
        return []
    return changed_fields(old, new)


def decide(
    files: Mapping[RecordKey, Value | None],
    database: Mapping[RecordKey, Value | None],
    base: Mapping[RecordKey, Value],
    *,
    prefer: Prefer | None,
    file_of: Mapping[str, str],
) -> tuple[dict[RecordKey, Side], list[Conflict]]:
    """Which side each record takes (`files` unless said), and the conflicts (resolved by
    `prefer` when given). `database` holds the stored records (a value of None: stored
    before values were kept, so its edits are unknown: the files win)."""
    sides: dict[RecordKey, Side] = {}
    conflicts: list[Conflict] = []
    for key in files.keys() | database.keys():
        if key in database and database[key] is None:
            continue
        f, d, s = files.get(key), database.get(key), base.get(key)
        if same(d, s) or same(f, d):
            continue
        if same(f, s):
            sides[key] = "database"
            continue
        if prefer is not None:
            sides[key] = prefer
            continue
        conflicts.append(
            Conflict(
                key[0], key[1], file_of.get(key[0], key[0]), _fields(s, f), _fields(s, d), None
            )
        )
    return sides, sorted(conflicts, key=lambda c: (c.file, c.record_id))


def with_authors(session: Session, conflicts: list[Conflict]) -> list[Conflict]:
    """Each conflict with the author of the record's newest revision."""
    found = []
    for conflict in conflicts:
        author = session.execute(
            select(col(Revision.author))
            .where(
                col(Revision.collection) == conflict.collection,
                col(Revision.record_id) == conflict.record_id,
            )
            .order_by(col(Revision.id).desc())
            .limit(1)
        ).scalar_one_or_none()
        found.append(
            Conflict(
                conflict.collection,
                conflict.record_id,
                conflict.file,
                conflict.in_files,
                conflict.in_database,
                author,
            )
        )
    return found
