"""The reform areas of the Roadmap for CICA Transformation."""

from sqlmodel import Session, select

from app.core.errors import NotFound
from app.core.listing import sort_records
from app.models import ReformArea
from app.models.collections import RECORD_TYPES
from app.models.reform_area import ReformAreaPublic
from app.services.common import citations_for, disputes_for, matches, pick_name

RECORD_TYPE = RECORD_TYPES["reform-areas"]
SORT_KEYS = {
    "id": lambda r: r.id,
    "name": lambda r: r.name.casefold(),
    "position": lambda r: r.position,
    "status": lambda r: r.status,
}


def list_reform_areas(
    *, session: Session, status: str | None = None, q: str | None = None, sort: str | None = None
) -> list[ReformAreaPublic]:
    """In Roadmap order unless sorted otherwise."""
    query = select(ReformArea).order_by(ReformArea.position)
    if status:
        query = query.where(ReformArea.status == status)
    areas = [
        a
        for a in _to_public(session, list(session.exec(query)))
        if matches(q, a.id, *a.names.values(), *a.aliases)
    ]
    return sort_records(areas, sort, SORT_KEYS)


def get_reform_area(*, session: Session, reform_area_id: str) -> ReformAreaPublic:
    area = session.get(ReformArea, reform_area_id.lower())
    if area is None:
        raise NotFound(f"No reform area with id '{reform_area_id}'.")
    return _to_public(session, [area])[0]


def _to_public(session: Session, areas: list[ReformArea]) -> list[ReformAreaPublic]:
    citations = citations_for(
        session=session, record_type=RECORD_TYPE, record_ids=[a.id for a in areas]
    )
    disputed = disputes_for(
        session=session, record_type=RECORD_TYPE, record_ids=[a.id for a in areas]
    )
    return [
        ReformAreaPublic(
            id=a.id,
            position=a.position,
            name=pick_name(a.names),
            names=a.names,
            aliases=a.aliases,
            status=a.status,
            progress=a.progress,
            sources=citations.get(a.id, []),
            disputed=disputed.get(a.id, []),
            updated_at=a.updated_at,
        )
        for a in areas
    ]
