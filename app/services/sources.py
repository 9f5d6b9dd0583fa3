"""The documents and references the dataset cites."""

from sqlalchemy import func
from sqlmodel import Session, select

from app.core.errors import NotFound
from app.core.listing import sort_records
from app.models import Citation, Source
from app.models.source import SourcePublic
from app.services.common import matches

SORT_KEYS = {
    "id": lambda s: s.id,
    "title": lambda s: s.title.casefold(),
    "date": lambda s: s.date,
    "kind": lambda s: s.kind,
}


def list_sources(
    *, session: Session, kind: str | None = None, q: str | None = None, sort: str | None = None
) -> list[SourcePublic]:
    query = select(Source).order_by(Source.id)
    if kind:
        query = query.where(Source.kind == kind)
    sources = [
        s
        for s in _to_public(session, list(session.exec(query)))
        if matches(q, s.id, s.title, s.publisher)
    ]
    return sort_records(sources, sort, SORT_KEYS)


def get_source(*, session: Session, source_id: str) -> SourcePublic:
    source = session.get(Source, source_id.lower())
    if source is None:
        raise NotFound(f"No source with id '{source_id}'.")
    return _to_public(session, [source])[0]


def _to_public(session: Session, sources: list[Source]) -> list[SourcePublic]:
    counts = dict(
        session.exec(
            select(Citation.source_id, func.count()).group_by(Citation.source_id)  # type: ignore[call-overload]
        ).all()
    )
    return [
        SourcePublic(
            id=s.id,
            title=s.title,
            publisher=s.publisher,
            date=s.date,
            kind=s.kind,
            url=s.url,
            sha256=s.sha256,
            citations=counts.get(s.id, 0),
            updated_at=s.updated_at,
        )
        for s in sources
    ]
