"""The change feed read from the database a page at a time, never held in the snapshot (a
feed only grows: 100,000 entries would be 100,000 records in every process).

A page is read as of the snapshot the request reads (`version <= its version`), so the
feed agrees with every other answer of that request, and its ETag (the snapshot's) holds.
Followers page by keyset (`after=<last id>`), which costs the same at any depth;
`offset` keeps working within its limit.
"""

import weakref
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, func, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from app.core.errors import BadRequest, FieldError
from app.core.snapshot import Built
from app.core.text import fold
from app.models import Change
from app.models.change import ChangePublic
from app.services.changes import public

SORT_COLUMNS: dict[str, Any] = {
    "id": col(Change.id),
    "version": col(Change.version),
    "collection": col(Change.collection),
    "record_id": col(Change.record_id),
    "action": col(Change.action),
}


@dataclass(frozen=True)
class FeedPage:
    total: int
    entries: list[Built[ChangePublic]]


def _folded(column: Any) -> Any:
    """The column as `fold` writes it (ids and collection names: letters, digits and
    hyphens, so lower case with hyphens as spaces)."""
    return func.replace(func.lower(column), "-", " ")


def _where(params: Any, last: int) -> list[ColumnElement[bool]]:
    """`last`: the last id of the version read (ids grow with versions, so `id <= last`
    is `version <= the version`, and an index on the id answers it)."""
    where: list[ColumnElement[bool]] = [col(Change.id) <= last]
    if params.since is not None:
        where.append(col(Change.version) > params.since)
    if getattr(params, "after", None) is not None:
        where.append(col(Change.id) > params.after)
    if params.collection is not None:
        where.append(col(Change.collection) == params.collection)
    if params.record_id is not None:
        where.append(func.lower(col(Change.record_id)) == params.record_id.lower())
    if params.action is not None:
        where.append(col(Change.action) == params.action)
    if params.q is not None:
        needle = fold(params.q)
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(
            or_(
                _folded(col(Change.collection)).like(pattern, escape="\\"),
                _folded(col(Change.record_id)).like(pattern, escape="\\"),
            )
        )
    return where


def _order(sort: str | None) -> list[Any]:
    if not sort:
        return [col(Change.id)]
    fields = [part.strip() for part in sort.split(",") if part.strip()]
    unknown = [f for f in fields if f.lstrip("-") not in SORT_COLUMNS]
    if unknown or not fields:
        raise BadRequest(
            f"Cannot sort by {', '.join(unknown) or repr(sort)}; sortable fields: "
            f"{', '.join(sorted(SORT_COLUMNS))}.",
            errors=[FieldError(field="query.sort", message="unknown sort field")],
        )
    order = [
        SORT_COLUMNS[f.lstrip("-")].desc() if f.startswith("-") else SORT_COLUMNS[f] for f in fields
    ]
    return [*order, col(Change.id)]  # a stable order: ties by position in the feed


def read_page(engine: Engine, params: Any, *, version: int, single: Collection[str]) -> FeedPage:
    """The entries `params` select, as of dataset `version`, one page of them."""
    if params.q is not None and fold(params.q) == "":
        return FeedPage(0, [])  # nothing searchable in q: it matches nothing
    order = _order(params.sort)
    with Session(engine) as session:
        where = _where(params, _bounds(session, engine, version).high)
        total = _range_total(session, engine, params, version)
        if total is None:
            total = session.exec(select(func.count()).select_from(Change).where(and_(*where))).one()
        rows: Sequence[Change] = session.exec(
            select(Change)
            .where(and_(*where))
            .order_by(*order)
            .offset(params.offset)
            .limit(params.limit)
        ).all()
        return FeedPage(total, [public(row, single) for row in rows])


@dataclass(frozen=True)
class _Bounds:
    low: int
    high: int
    dense: bool
    """Ids `low`..`high` are every entry up to the version, without a gap."""


_BOUNDS: "weakref.WeakKeyDictionary[Engine, dict[int, _Bounds]]" = weakref.WeakKeyDictionary()


def _bounds(session: Session, engine: Engine, version: int) -> _Bounds:
    """The ids of the feed up to `version` (once per version and engine: one count).
    Entries are appended under the writers' lock, so ids grow with versions."""
    known = _BOUNDS.setdefault(engine, {})
    found = known.get(version)
    if found is None:
        low, high, count = session.exec(
            select(func.min(Change.id), func.max(Change.id), func.count()).where(
                col(Change.version) <= version
            )
        ).one()
        found = _Bounds(low or 0, high or 0, count == (high or 0) - (low or 1) + 1)
        if len(known) > 16:
            known.clear()
        known[version] = found
    return found


def _range_total(session: Session, engine: Engine, params: Any, version: int) -> int | None:
    """A follower's total (only `since=` and `after=`) without counting rows: entries are
    appended under the writers' lock, so ids grow with versions, and where they have no
    gap (SQLite; PostgreSQL until a rolled-back write skips a number) the entries left
    are an id range. None: count them."""
    if any(
        getattr(params, name, None) is not None
        for name in ("collection", "record_id", "action", "q")
    ):
        return None
    bounds = _bounds(session, engine, version)
    if not bounds.dense or bounds.high == 0:
        return None if not bounds.dense else 0
    low = bounds.low - 1
    if params.since is not None:
        first = session.exec(
            select(func.min(Change.id)).where(col(Change.version) > params.since)
        ).one()
        if first is None or first > bounds.high:
            return 0
        low = max(low, first - 1)
    if params.after is not None:
        low = max(low, params.after)
    return max(bounds.high - low, 0)


def read_entry(
    engine: Engine, change_id: int, *, version: int, single: Collection[str]
) -> Built[ChangePublic] | None:
    with Session(engine) as session:
        row = session.get(Change, change_id)
        if row is None or row.version > version:
            return None
        return public(row, single)


@dataclass(frozen=True)
class FeedReader:
    """How the routes read the feed: `single` names the collections served at their own
    path (`/v1/organization`), whose entries link there."""

    single: frozenset[str]

    def page(self, engine: Engine, params: Any, version: int) -> FeedPage:
        return read_page(engine, params, version=version, single=self.single)

    def entry(self, engine: Engine, change_id: int, version: int) -> Built[ChangePublic] | None:
        return read_entry(engine, change_id, version=version, single=self.single)
