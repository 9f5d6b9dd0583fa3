"""A record's revisions, read from the database a page at a time (never held in the
snapshot: a history only grows)."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from app.models import Revision
from app.models.revision import FieldChange, RevisionPublic


@dataclass(frozen=True)
class RevisionPage:
    record_id: str
    """The record's id as stored (the request's may differ in case)."""
    total: int
    revisions: list[RevisionPublic]


def revision_path(base: str, number: int) -> str:
    """`/v1/members/KZ/revisions/3`: `base` is where the record is read."""
    return f"{base}/revisions/{number}"


def public(row: Revision, base: str) -> RevisionPublic:
    before, after = row.before or {}, row.after or {}
    return RevisionPublic(
        number=row.number,
        collection=row.collection,
        record_id=row.record_id,
        path=revision_path(base, row.number),
        action=row.action,
        author=row.author,
        summary=row.summary,
        request_id=row.request_id,
        version=row.version,
        updated_at=row.changed_at,
        changes=[
            FieldChange(field=name, before=before.get(name), after=after.get(name))
            for name in row.fields
        ],
    )


def stored_id(session: Session, collection: str, record_id: str) -> str | None:
    """The id a record's revisions are kept under, matched in any case."""
    exact = session.exec(
        select(Revision.record_id)
        .where(col(Revision.collection) == collection, col(Revision.record_id) == record_id)
        .limit(1)
    ).first()
    if exact is not None:
        return exact
    return session.exec(
        select(Revision.record_id)
        .where(
            col(Revision.collection) == collection,
            func.lower(col(Revision.record_id)) == record_id.lower(),
        )
        .limit(1)
    ).first()


def read_page(
    engine: Engine,
    collection: str,
    record_id: str,
    *,
    base: str,
    limit: int,
    offset: int,
    number: int | None = None,
) -> RevisionPage | None:
    """A page of a record's revisions, newest first (or the one numbered `number`); None
    when the record has none."""
    with Session(engine) as session:
        found = stored_id(session, collection, record_id)
        if found is None:
            return None
        where = (col(Revision.collection) == collection, col(Revision.record_id) == found)
        if number is not None:
            rows: Sequence[Revision] = session.exec(
                select(Revision).where(*where, col(Revision.number) == number)
            ).all()
            return RevisionPage(found, len(rows), [public(row, base) for row in rows])
        total = session.exec(select(func.count()).select_from(Revision).where(*where)).one()
        rows = session.exec(
            select(Revision)
            .where(*where)
            .order_by(col(Revision.number).desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return RevisionPage(found, total, [public(row, base) for row in rows])
