"""CICA's councils and other bodies."""

import datetime as dt
from typing import Any

from sqlmodel import Session, select

from app.core.snapshot import Built
from app.models import Council
from app.models.collections import RECORD_TYPES
from app.models.council import CouncilPublic
from app.params import CouncilListParams
from app.services.common import citations_for, disputes_for, pick_name, reviewed_for, sort_name

RECORD_TYPE = RECORD_TYPES["councils"]
SORT_KEYS: dict[str, Any] = {
    "id": lambda c: c.id,
    "name": lambda c: c.name.casefold(),
    "kind": lambda c: c.kind,
    "status": lambda c: c.status,
    "established": lambda c: c.established,
}


def build(session: Session, _today: dt.date) -> list[Built[CouncilPublic]]:
    citations = citations_for(session=session, record_type=RECORD_TYPE)
    disputed = disputes_for(session=session, record_type=RECORD_TYPE)
    reviewed = reviewed_for(session=session, record_type=RECORD_TYPE)
    built = [
        Built(
            CouncilPublic(
                id=c.id,
                name=pick_name(c.names),
                names=c.names,
                acronym=c.acronym,
                aliases=c.aliases,
                kind=c.kind,
                status=c.status,
                established=c.established,
                proposed=c.proposed,
                proposed_by=c.proposed_by,
                seat=c.seat,
                description=c.description,
                established_at=c.established_at,
                proposed_at=c.proposed_at,
                sources=citations.get(c.id, []),
                disputed=disputed.get(c.id, []),
                reviewed=reviewed[c.id],
                updated_at=c.updated_at,
            ),
            exact=(c.acronym,) if c.acronym else (),
            names=(*c.names.values(), *c.aliases),
        )
        for c in session.exec(select(Council))
    ]
    built.sort(key=lambda b: sort_name(b.record.names))
    return built


def keep(council: CouncilPublic, params: CouncilListParams) -> bool:
    return (params.kind is None or council.kind == params.kind) and (
        params.status is None or council.status == params.status
    )
