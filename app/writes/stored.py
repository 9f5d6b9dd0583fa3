"""What a write reads of the stored records before it is applied: the record's value (what
a merge patch applies to) and the sources' document files (what quotes are checked in).

Read outside the writers' lock: the write's precondition checks, under the lock, that the
value is still the one read (`app.writes.preconditions`)."""

from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.models import RecordState

MISSING: Any = object()
"""`stored_value`'s answer when there is no such record."""


def stored_value(engine: Engine, collection: str, record_id: str) -> Any:
    """The record's stored value (None: stored before values were kept), or `MISSING`."""
    with Session(engine) as session:
        row = session.execute(
            select(col(RecordState.value)).where(
                col(RecordState.collection) == collection, col(RecordState.record_id) == record_id
            )
        ).first()
    return MISSING if row is None else row[0]


def only_record_id(engine: Engine, collection: str) -> str | None:
    """The id of a single-record collection's record (`organization`)."""
    with Session(engine) as session:
        return session.execute(
            select(col(RecordState.record_id)).where(col(RecordState.collection) == collection)
        ).scalar()


def source_files(engine: Engine) -> dict[str, str]:
    """Each source's document file, for the sources that have one."""
    with Session(engine) as session:
        rows = session.execute(
            select(col(RecordState.record_id), col(RecordState.value)).where(
                col(RecordState.collection) == "sources"
            )
        )
        return {
            rid: str(value["file"])
            for rid, value in rows
            if isinstance(value, dict) and value.get("file")
        }
