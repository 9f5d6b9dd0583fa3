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
from app.services.common import (
    citations_for,
    derivations_for,
    disputes_for,
    pick_name,
    reviewed_for,
    sort_name,
)
from app.services.references import MEETINGS, meeting, states
from app.services.review import Review, attested, keep_review, start

COLLECTION = "councils"
STATE_FIELDS = frozenset({"status"})
"""A body's current state is its status (established, proposed, planned)."""
SORT_KEYS: dict[str, Any] = {
    "id": lambda c: c.id,
    "name": lambda c: c.name.casefold(),
    "kind": lambda c: c.kind,
    "status": lambda c: c.status,
    "established": lambda c: c.established,
}


def build(session: Session, today: dt.date) -> list[Built[CouncilPublic]]:
    citations = citations_for(session=session, record_type=COLLECTION)
    disputed = disputes_for(session=session, record_type=COLLECTION)
    reviewed = reviewed_for(session=session, record_type=COLLECTION)
    derived = derivations_for(session=session, record_type=COLLECTION)
    policy, dates = start(session, today)
    built = []
    for c in session.exec(select(Council)):
        cites = citations.get(c.id, [])
        last = attested(cites, dates, STATE_FIELDS)
        review = Review(policy)
        review.stale("status", last, f"its status ({c.status})")
        record = CouncilPublic(
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
            sources=cites,
            disputed=disputed.get(c.id, []),
            reviewed=reviewed[c.id],
            updated_at=c.updated_at,
            **review.fields(last_attested=last, derivations=derived.get(c.id, [])),
        )
        built.append(
            Built(
                record,
                exact=(c.acronym,) if c.acronym else (),
                names=(*c.names.values(), *c.aliases),
            )
        )
    built.sort(key=lambda b: sort_name(b.record.names))
    return built


def keep(council: CouncilPublic, params: CouncilListParams) -> bool:
    return (
        (params.kind is None or council.kind == params.kind)
        and (params.status is None or council.status == params.status)
        and keep_review(council, params.needs_review)
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
