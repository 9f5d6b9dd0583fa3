"""The reform areas of the Roadmap for CICA Transformation."""

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from app.core.snapshot import Built
from app.models import ReformArea
from app.models.collections import RECORD_TYPES
from app.models.reform_area import ReformAreaPublic
from app.params import ReformAreaListParams
from app.services.common import citations_for, disputes_for, pick_name, reviewed_for

RECORD_TYPE = RECORD_TYPES["reform-areas"]
SORT_KEYS: dict[str, Any] = {
    "id": lambda r: r.id,
    "name": lambda r: r.name.casefold(),
    "position": lambda r: r.position,
    "status": lambda r: r.status,
}


def build(session: Session, _today: dt.date) -> list[Built[ReformAreaPublic]]:
    """In Roadmap order."""
    citations = citations_for(session=session, record_type=RECORD_TYPE)
    disputed = disputes_for(session=session, record_type=RECORD_TYPE)
    reviewed = reviewed_for(session=session, record_type=RECORD_TYPE)
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
