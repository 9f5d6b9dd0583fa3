"""The reform areas of the Roadmap for CICA Transformation."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, col, select

from app.core.snapshot import Built
from app.core.storage import Row, Storage, Table, fields_except
from app.models import ReformArea
from app.models.reform_area import ReformAreaCreate, ReformAreaPublic
from app.params import ReformAreaListParams
from app.services.common import citations_for, disputes_for, pick_name, reviewed_for

COLLECTION = "reform-areas"
SORT_KEYS: dict[str, Any] = {
    "id": lambda r: r.id,
    "name": lambda r: r.name.casefold(),
    "position": lambda r: r.position,
    "status": lambda r: r.status,
}


def build(session: Session, _today: dt.date) -> list[Built[ReformAreaPublic]]:
    """In Roadmap order."""
    citations = citations_for(session=session, record_type=COLLECTION)
    disputed = disputes_for(session=session, record_type=COLLECTION)
    reviewed = reviewed_for(session=session, record_type=COLLECTION)
    return [
        Built(
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
                reviewed=reviewed[a.id],
                updated_at=a.updated_at,
            ),
            names=(*a.names.values(), *a.aliases),
        )
        for a in session.exec(select(ReformArea).order_by(col(ReformArea.position)))
    ]


def keep(area: ReformAreaPublic, params: ReformAreaListParams) -> bool:
    return params.status is None or area.status == params.status


def rows(area: ReformAreaCreate) -> Iterator[Row]:
    yield Row(ReformArea, fields_except(area, "acronym"))


STORAGE = Storage(
    file="reform_areas.toml", schema=ReformAreaCreate, tables=(Table(ReformArea),), rows=rows
)
