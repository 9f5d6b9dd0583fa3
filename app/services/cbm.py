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
from app.services.common import (
    citations_for,
    derivations_for,
    disputes_for,
    pick_name,
    reviewed_for,
)
from app.services.references import MEMBERS, member_states
from app.services.review import Review, attested, keep_review, newest, start

COLLECTION = "cbm-dimensions"
AREA_RECORD_TYPE = "cbm-area"
"""What the citations of a priority area (nested in its dimension) are keyed by."""
SORT_KEYS: dict[str, Any] = {
    "id": lambda d: d.id,
    "position": lambda d: d.position,
    "name": lambda d: d.name.casefold(),
}


def build(session: Session, today: dt.date) -> list[Built[CbmDimensionPublic]]:
    """In Catalogue order."""
    areas: dict[str, list[CbmArea]] = defaultdict(list)
    for area in session.exec(select(CbmArea).order_by(col(CbmArea.position))):
        areas[area.dimension_id].append(area)
    area_citations = citations_for(session=session, record_type=AREA_RECORD_TYPE)
    area_derived = derivations_for(session=session, record_type=AREA_RECORD_TYPE)
    citations = citations_for(session=session, record_type=COLLECTION)
    disputed = disputes_for(session=session, record_type=COLLECTION)
    reviewed = reviewed_for(session=session, record_type=COLLECTION)
    derived = derivations_for(session=session, record_type=COLLECTION)
    policy, dates = start(session, today)
    built = []
    for d in session.exec(select(CbmDimension).order_by(col(CbmDimension.position))):
        own = areas.get(d.id, [])
        review = Review(policy)
        public_areas = []
        for a in own:
            cites = area_citations.get(a.id, [])
            public_areas.append(
                CbmAreaPublic(
                    id=a.id,
                    name=pick_name(a.names),
                    coordinators=a.coordinators,
                    co_coordinators=a.co_coordinators,
                    added=a.added,
                    part_of=a.part_of,
                    coordinators_since=a.coordinators_since,
                    coordinators_until=a.coordinators_until,
                    sources=cites,
                    derivations=area_derived.get(a.id, []),
                    last_attested=attested(cites, dates),
                )
            )
            review.expected_end(
                "priority_areas",
                a.coordinators_until,
                f"The coordinators' term in the priority area {a.id}",
            )
        dimension_cites = citations.get(d.id, [])
        # The dimension and its areas (names, coordinators) are its current state.
        last = newest([attested(dimension_cites, dates), *(a.last_attested for a in public_areas)])
        review.stale("priority_areas", last, "the dimension's priority areas")
        record = CbmDimensionPublic(
            id=d.id,
            position=d.position,
            name=pick_name(d.names),
            names=d.names,
            priority_areas=public_areas,
            sources=dimension_cites,
            disputed=disputed.get(d.id, []),
            reviewed=reviewed[d.id],
            updated_at=max([d.updated_at, *(a.updated_at for a in own)]),
            **review.fields(last_attested=last, derivations=derived.get(d.id, [])),
        )
        names = (*d.names.values(), *(n for a in own for n in a.names.values()))
        built.append(Built(record, names=names))
    return built


def keep(dimension: CbmDimensionPublic, params: CbmDimensionListParams) -> bool:
    if not keep_review(dimension, params.needs_review):
        return False
    if params.coordinator is None:
        return True
    code = params.coordinator.upper()
    return any(code in (*a.coordinators, *a.co_coordinators) for a in dimension.priority_areas)


def priority_areas(dimensions: list[CbmDimensionPublic]) -> list[CbmAreaPublic]:
    """The Catalogue's priority areas: every area listed but the topics part of another."""
    return [a for d in dimensions for a in d.priority_areas if a.part_of is None]


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
                "part_of": area.part_of,
                "coordinators_since": area.coordinators_since,
                "coordinators_until": area.coordinators_until,
            },
            item=area.id,
        )


def cited(dimension: CbmDimensionCreate) -> Iterator[Cited]:
    """Each priority area has citations (and derivations) of its own."""
    citable = set(CbmAreaPublic.model_fields) - NOT_CITABLE
    for area in dimension.areas:
        yield Cited(
            AREA_RECORD_TYPE,
            area.id,
            area.sources,
            item=area.id,
            citable=citable,
            derivations=area.derivations,
        )


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
