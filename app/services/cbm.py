"""The CBM Catalogue's dimensions and priority areas."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, col, select

from app.core.snapshot import Built
from app.core.storage import NOT_CITABLE, Cited, Row, Storage, Table, World
from app.models import CbmArea, CbmDimension
from app.models.cbm import CbmAreaPublic, CbmDimensionCreate, CbmDimensionPublic
from app.params import CbmDimensionListParams
from app.services.common import citations_for, disputes_for, pick_name, reviewed_for
from app.services.references import MEMBERS, member_states

COLLECTION = "cbm-dimensions"
AREA_RECORD_TYPE = "cbm-area"
"""What the citations of a priority area (nested in its dimension) are keyed by."""
SORT_KEYS: dict[str, Any] = {
    "id": lambda d: d.id,
    "position": lambda d: d.position,
    "name": lambda d: d.name.casefold(),
}


def build(session: Session, _today: dt.date) -> list[Built[CbmDimensionPublic]]:
    """In Catalogue order."""
    areas: dict[str, list[CbmArea]] = defaultdict(list)
    for area in session.exec(select(CbmArea).order_by(col(CbmArea.position))):
        areas[area.dimension_id].append(area)
    area_citations = citations_for(session=session, record_type=AREA_RECORD_TYPE)
    citations = citations_for(session=session, record_type=COLLECTION)
    disputed = disputes_for(session=session, record_type=COLLECTION)
    reviewed = reviewed_for(session=session, record_type=COLLECTION)
    built = []
    for d in session.exec(select(CbmDimension).order_by(col(CbmDimension.position))):
        own = areas.get(d.id, [])
        record = CbmDimensionPublic(
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
                for a in own
            ],
            sources=citations.get(d.id, []),
            disputed=disputed.get(d.id, []),
            reviewed=reviewed[d.id],
            updated_at=max([d.updated_at, *(a.updated_at for a in own)]),
        )
        names = (*d.names.values(), *(n for a in own for n in a.names.values()))
        built.append(Built(record, names=names))
    return built


def keep(dimension: CbmDimensionPublic, params: CbmDimensionListParams) -> bool:
    if params.coordinator is None:
        return True
    code = params.coordinator.upper()
    return any(code in (*a.coordinators, *a.co_coordinators) for a in dimension.priority_areas)


def narrow(dimension: CbmDimensionPublic, params: CbmDimensionListParams) -> CbmDimensionPublic:
    """With `coordinator`, only the areas that state (co-)coordinates."""
    if params.coordinator is None:
        return dimension
    code = params.coordinator.upper()
    return dimension.model_copy(
        update={
            "priority_areas": [
                a for a in dimension.priority_areas if code in (*a.coordinators, *a.co_coordinators)
            ]
        }
    )


def rows(dimension: CbmDimensionCreate) -> Iterator[Row]:
    """The dimension, then its priority areas in Catalogue order."""
    yield Row(
        CbmDimension, {"id": dimension.id, "position": dimension.position, "names": dimension.names}
    )
    for position, area in enumerate(dimension.areas):
        yield Row(
            CbmArea,
            {
                "id": area.id,
                "dimension_id": dimension.id,
                "position": position,
                "names": area.names,
                "coordinators": area.coordinators,
                "co_coordinators": area.co_coordinators,
                "added": area.added,
            },
            item=area.id,
        )


def cited(dimension: CbmDimensionCreate) -> Iterator[Cited]:
    """Each priority area has citations of its own."""
    citable = set(CbmAreaPublic.model_fields) - NOT_CITABLE
    for area in dimension.areas:
        yield Cited(AREA_RECORD_TYPE, area.id, area.sources, item=area.id, citable=citable)


def check(dimension: CbmDimensionCreate, world: World) -> None:
    for area in dimension.areas:
        member_states(world, area.coordinators, "coordinators", item=area.id)
        member_states(world, area.co_coordinators, "co_coordinators", item=area.id)


STORAGE = Storage(
    file="cbm_dimensions.toml",
    schema=CbmDimensionCreate,
    tables=(Table(CbmDimension), Table(CbmArea)),
    rows=rows,
    check=check,
    refers_to=(MEMBERS,),
    cited=cited,
)
