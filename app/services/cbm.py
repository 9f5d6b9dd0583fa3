"""The CBM Catalogue's dimensions and priority areas."""

from collections import defaultdict

from sqlmodel import Session, select

from app.core.errors import NotFound
from app.core.listing import sort_records
from app.models import CbmArea, CbmDimension
from app.models.cbm import CbmAreaPublic, CbmDimensionPublic
from app.models.collections import CBM_AREA_RECORD_TYPE, RECORD_TYPES
from app.services.common import citations_for, disputes_for, matches, pick_name

RECORD_TYPE = RECORD_TYPES["cbm-dimensions"]
SORT_KEYS = {
    "id": lambda d: d.id,
    "position": lambda d: d.position,
    "name": lambda d: d.name.casefold(),
}


def list_dimensions(
    *,
    session: Session,
    coordinator: str | None = None,
    q: str | None = None,
    sort: str | None = None,
) -> list[CbmDimensionPublic]:
    """Dimensions in Catalogue order; `coordinator` keeps areas a state (co-)coordinates."""
    dimensions = _to_public(
        session, list(session.exec(select(CbmDimension).order_by(CbmDimension.position)))
    )
    if coordinator:
        code = coordinator.upper()
        for dimension in dimensions:
            dimension.priority_areas = [
                a for a in dimension.priority_areas if code in (*a.coordinators, *a.co_coordinators)
            ]
        dimensions = [d for d in dimensions if d.priority_areas]
    dimensions = [
        d
        for d in dimensions
        if matches(q, d.id, *d.names.values(), *(a.name for a in d.priority_areas))
    ]
    return sort_records(dimensions, sort, SORT_KEYS)


def get_dimension(*, session: Session, dimension_id: str) -> CbmDimensionPublic:
    dimension = session.get(CbmDimension, dimension_id.lower())
    if dimension is None:
        raise NotFound(f"No CBM dimension with id '{dimension_id}'.")
    return _to_public(session, [dimension])[0]


def _to_public(session: Session, dimensions: list[CbmDimension]) -> list[CbmDimensionPublic]:
    ids = [d.id for d in dimensions]
    areas: dict[str, list[CbmArea]] = defaultdict(list)
    for area in session.exec(select(CbmArea).order_by(CbmArea.position)):
        areas[area.dimension_id].append(area)
    area_citations = citations_for(session=session, record_type=CBM_AREA_RECORD_TYPE)
    citations = citations_for(session=session, record_type=RECORD_TYPE, record_ids=ids)
    disputed = disputes_for(session=session, record_type=RECORD_TYPE, record_ids=ids)
    return [
        CbmDimensionPublic(
            id=d.id,
            position=d.position,
            name=pick_name(d.names),
            names=d.names,
            priority_areas=[
                CbmAreaPublic(
                    id=a.id,
                    name=pick_name(a.names),
                    coordinators=a.coordinators,
                    co_coordinators=a.co_coordinators,
                    added=a.added,
                    sources=area_citations.get(a.id, []),
                )
                for a in areas.get(d.id, [])
            ],
            sources=citations.get(d.id, []),
            disputed=disputed.get(d.id, []),
            updated_at=max([d.updated_at, *(a.updated_at for a in areas.get(d.id, []))]),
        )
        for d in dimensions
    ]
