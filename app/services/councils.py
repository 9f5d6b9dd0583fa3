"""CICA's councils and other bodies."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, select

from app.core.snapshot import Built
from app.core.storage import Row, Storage, Table, World, fields_except
from app.models import Council
from app.models.base import first_day
from app.models.council import CouncilCreate, CouncilPublic
from app.params import CouncilListParams
from app.services.common import citations_for, disputes_for, pick_name, reviewed_for, sort_name
from app.services.references import MEETINGS, meeting, states

COLLECTION = "councils"
SORT_KEYS: dict[str, Any] = {
    "id": lambda c: c.id,
    "name": lambda c: c.name.casefold(),
    "kind": lambda c: c.kind,
    "status": lambda c: c.status,
    "established": lambda c: c.established,
}


def build(session: Session, _today: dt.date) -> list[Built[CouncilPublic]]:
    citations = citations_for(session=session, record_type=COLLECTION)
    disputed = disputes_for(session=session, record_type=COLLECTION)
    reviewed = reviewed_for(session=session, record_type=COLLECTION)
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


def rows(council: CouncilCreate) -> Iterator[Row]:
    yield Row(
        Council, {**fields_except(council), "established_date": first_day(council.established)}
    )


def check(council: CouncilCreate, world: World) -> None:
    meeting(world, council.established_at, "established_at")
    meeting(world, council.proposed_at, "proposed_at")
    states(council.proposed_by, "proposed_by")


STORAGE = Storage(
    file="councils.toml",
    schema=CouncilCreate,
    tables=(Table(Council, fields={"established_date": "established"}),),
    rows=rows,
    check=check,
    refers_to=(MEETINGS,),
)
