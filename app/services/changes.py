"""The change feed: every recorded change, oldest first; `since` keeps the later ones."""

import datetime as dt
from collections.abc import Callable, Collection
from typing import Any

from sqlmodel import Session, col, select

from app.core.snapshot import Built
from app.models import Change
from app.models.change import ChangePublic
from app.params import ChangeListParams

RECORD_TYPE = "change"
SORT_KEYS: dict[str, Any] = {
    "id": lambda c: c.id,
    "version": lambda c: c.version,
    "collection": lambda c: c.collection,
    "record_id": lambda c: c.record_id,
    "action": lambda c: c.action,
}


def not_in_snapshot(_session: Session, _today: dt.date) -> list[Built[ChangePublic]]:
    """The feed is read from the database in pages (`app.services.feed_pages`), never held
    in the snapshot: it only grows."""
    return []


def build(session: Session, _today: dt.date) -> list[Built[ChangePublic]]:
    return build_with_paths(session, single=())


def builder(single: Collection[str]) -> Callable[[Session, dt.date], list[Built[ChangePublic]]]:
    """`build` for a registry whose `single` collections are served at `/v1/<name>` itself
    (their records have no path of their own)."""
    return lambda session, _today: build_with_paths(session, single=single)


def build_with_paths(session: Session, *, single: Collection[str]) -> list[Built[ChangePublic]]:
    rows = session.exec(select(Change).order_by(col(Change.id)))
    return [public(row, single) for row in rows]


def public(row: Change, single: Collection[str]) -> Built[ChangePublic]:
    """A feed entry, with the path of its record and of its revision."""
    path = (
        f"/v1/{row.collection}"
        if row.collection in single
        else f"/v1/{row.collection}/{row.record_id}"
    )
    revision = row.revision
    return Built(
        ChangePublic(
            id=row.id or 0,
            version=row.version,
            collection=row.collection,
            record_id=row.record_id,
            path=path,
            action=row.action,
            fields=row.fields,
            updated_at=row.changed_at,
            revision=revision,
            revision_path=f"{path}/revisions/{revision}" if revision is not None else None,
        ),
        names=(row.collection, row.record_id),
    )


def keep(change: ChangePublic, params: ChangeListParams) -> bool:
    return (
        (params.since is None or change.version > params.since)
        and (params.collection is None or change.collection == params.collection)
        and (params.record_id is None or change.record_id.lower() == params.record_id.lower())
        and (params.action is None or change.action == params.action)
    )
