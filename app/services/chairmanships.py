"""Chairmanships of CICA."""

import datetime as dt

from sqlmodel import Session, col, select

from app.core.errors import NotFound
from app.core.listing import sort_records
from app.models import Chairmanship, State
from app.models.chairmanship import ChairmanshipPublic
from app.models.collections import RECORD_TYPES
from app.services.common import citations_for, disputes_for, matches, pick_name

RECORD_TYPE = RECORD_TYPES["chairmanships"]
SORT_KEYS = {
    "id": lambda c: c.id,
    "term_start": lambda c: c.term_start,
    "state": lambda c: c.state,
}


def list_chairmanships(
    *, session: Session, state: str | None = None, q: str | None = None, sort: str | None = None
) -> list[ChairmanshipPublic]:
    """In order of their terms unless sorted otherwise."""
    query = select(Chairmanship).order_by(Chairmanship.term_start_date)
    if state:
        query = query.where(Chairmanship.state_id == state.upper())
    records = [
        c
        for c in _to_public(session, list(session.exec(query)))
        if matches(q, c.id, c.state, c.state_name)
    ]
    return sort_records(records, sort, SORT_KEYS)


def get_chairmanship(*, session: Session, chairmanship_id: str) -> ChairmanshipPublic:
    chairmanship = session.get(Chairmanship, chairmanship_id.lower())
    if chairmanship is None:
        raise NotFound(f"No chairmanship with id '{chairmanship_id}'.")
    return _to_public(session, [chairmanship])[0]


def _to_public(session: Session, chairs: list[Chairmanship]) -> list[ChairmanshipPublic]:
    ids = [c.id for c in chairs]
    states = {
        s.id: s
        for s in session.exec(select(State).where(col(State.id).in_([c.state_id for c in chairs])))
    }
    latest = session.exec(
        select(Chairmanship).order_by(col(Chairmanship.term_start_date).desc())
    ).first()
    today = dt.date.today()
    citations = citations_for(session=session, record_type=RECORD_TYPE, record_ids=ids)
    disputed = disputes_for(session=session, record_type=RECORD_TYPE, record_ids=ids)
    return [
        ChairmanshipPublic(
            id=c.id,
            state=c.state_id,
            state_name=pick_name(states[c.state_id].names),
            term_start=c.term_start,
            term_end=c.term_end,
            current=latest is not None and c.id == latest.id and c.term_start_date <= today,
            sources=citations.get(c.id, []),
            disputed=disputed.get(c.id, []),
            updated_at=c.updated_at,
        )
        for c in chairs
    ]
