"""The audit of a changeset: a revision for each record it changed (who, when, the request,
why, and each changed field's value before and after), written in the changeset's
transaction, between its rows and its change-feed entries (which link to them).
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlmodel import Session, col

from app.models import Revision
from app.writes.changeset import Changeset, RecordChange, RecordKey


def record_revisions(
    session: Session,
    changeset: Changeset,
    changes: Sequence[RecordChange],
    *,
    version: int,
    now: dt.datetime,
) -> dict[RecordKey, int]:
    """Append one revision per changed record; returns each record's new revision number."""
    if not changes:
        return {}
    latest = _latest_numbers(session, [(c.collection, c.record_id) for c in changes])
    numbers: dict[RecordKey, int] = {}
    rows: list[dict[str, Any]] = []
    for change in sorted(changes, key=lambda c: (c.collection, c.record_id)):
        key = (change.collection, change.record_id)
        numbers[key] = latest.get(key, 0) + 1
        rows.append(
            {
                "collection": change.collection,
                "record_id": change.record_id,
                "number": numbers[key],
                "version": version,
                "changed_at": now,
                "author": changeset.author,
                "summary": changeset.summary,
                "request_id": changeset.request_id,
                "action": change.action,
                "fields": change.fields,
                "before": _only(change.before, change.fields),
                "after": _only(change.after, change.fields),
            }
        )
    session.execute(insert(Revision), rows)
    return numbers


def _only(value: dict[str, Any] | None, fields: Iterable[str]) -> dict[str, Any] | None:
    if value is None:
        return None
    return {name: value.get(name) for name in fields}


def _latest_numbers(session: Session, keys: list[RecordKey]) -> dict[RecordKey, int]:
    """The newest revision number of each record (none: no revision yet)."""
    wanted = set(keys)
    query = (
        select(col(Revision.collection), col(Revision.record_id), func.max(Revision.number))
        .where(col(Revision.record_id).in_({record_id for _, record_id in wanted}))
        .group_by(col(Revision.collection), col(Revision.record_id))
    )
    if len(wanted) > 500:  # a seed run: read them all rather than a long IN list
        query = select(
            col(Revision.collection), col(Revision.record_id), func.max(Revision.number)
        ).group_by(col(Revision.collection), col(Revision.record_id))
    return {
        (collection, record_id): number
        for collection, record_id, number in session.execute(query)
        if (collection, record_id) in wanted
    }
