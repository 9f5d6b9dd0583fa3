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
from app.services.common import (
    citations_for,
    derivations_for,
    disputes_for,
    pick_name,
    reviewed_for,
)
from app.services.review import Review, attested, keep_review, start

COLLECTION = "reform-areas"
STATE_FIELDS = frozenset({"status", "progress"})
"""A reform area's current state is its status and reported progress."""
SORT_KEYS: dict[str, Any] = {
    "id": lambda r: r.id,
    "name": lambda r: r.name.casefold(),
    "position": lambda r: r.position,
    "status": lambda r: r.status,
}


def build(session: Session, today: dt.date) -> list[Built[ReformAreaPublic]]:
    """In Roadmap order."""
    citations = citations_for(session=session, record_type=COLLECTION)
    disputed = disputes_for(session=session, record_type=COLLECTION)
    reviewed = reviewed_for(session=session, record_type=COLLECTION)
    derived = derivations_for(session=session, record_type=COLLECTION)
    policy, dates = start(session, today)
    built = []
    for a in session.exec(select(ReformArea).order_by(col(ReformArea.position))):
        cites = citations.get(a.id, [])
        last = attested(cites, dates, STATE_FIELDS)
        review = Review(policy)
        if a.status != "completed":
            review.date_passed("expected", a.expected, "Its completion")
            review.stale("status", last, f"its progress ({a.status})")
        record = ReformAreaPublic(
            id=a.id,
            position=a.position,
            name=pick_name(a.names),
            names=a.names,
            aliases=a.aliases,
            status=a.status,
            progress=a.progress,
            expected=a.expected,
            sources=cites,
            disputed=disputed.get(a.id, []),
            reviewed=reviewed[a.id],
            updated_at=a.updated_at,
            **review.fields(last_attested=last, derivations=derived.get(a.id, [])),
        )
        built.append(Built(record, names=(*a.names.values(), *a.aliases)))
    return built


def keep(area: ReformAreaPublic, params: ReformAreaListParams) -> bool:
    return (params.status is None or area.status == params.status) and keep_review(
        area, params.needs_review
    )


def rows(area: ReformAreaCreate) -> Iterator[Row]:
    yield Row(ReformArea, fields_except(area, "acronym"))


STORAGE = Storage(
    file="reform_areas.toml", schema=ReformAreaCreate, tables=(Table(ReformArea),), rows=rows
)
