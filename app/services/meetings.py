"""Summits, ministerial councils and other CICA meetings."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, col, select

from app.core.snapshot import Built
from app.core.storage import RecordError, Row, Storage, Table, World, fields_except
from app.models import Council, Meeting
from app.models.base import first_day
from app.models.meeting import MeetingCreate, MeetingPublic
from app.params import MeetingListParams
from app.services.common import citations_for, derivations_for, disputes_for, reviewed_for
from app.services.references import MEMBERS
from app.services.review import Review, attested, keep_review, start

COLLECTION = "meetings"
STATE_FIELDS = frozenset({"status", "date", "outcome", "outcomes"})
"""A meeting's state is whether, when and with what outcome it was (or is to be) held."""
EXPECTED = ("planned", "scheduled")
SORT_KEYS: dict[str, Any] = {
    "id": lambda m: m.id,
    "date": lambda m: m.date,
    "kind": lambda m: m.kind,
    "number": lambda m: m.number,
    "place": lambda m: m.place,
}


def build(session: Session, today: dt.date) -> list[Built[MeetingPublic]]:
    """In date order."""
    established: dict[str, list[str]] = defaultdict(list)
    proposed: dict[str, list[str]] = defaultdict(list)
    for council in session.exec(select(Council).order_by(col(Council.id))):
        if council.established_at:
            established[council.established_at].append(council.id)
        if council.proposed_at:
            proposed[council.proposed_at].append(council.id)
    citations = citations_for(session=session, record_type=COLLECTION)
    disputed = disputes_for(session=session, record_type=COLLECTION)
    reviewed = reviewed_for(session=session, record_type=COLLECTION)
    derived = derivations_for(session=session, record_type=COLLECTION)
    policy, dates = start(session, today)
    meetings = session.exec(select(Meeting).order_by(col(Meeting.date_first_day), col(Meeting.id)))
    built = []
    for m in meetings:
        cites = citations.get(m.id, [])
        last = attested(cites, dates, STATE_FIELDS)
        review = Review(policy)
        if m.status in EXPECTED:
            review.date_passed("date", m.end_date or m.date, f"This {m.status} meeting")
            if not policy.passed(m.end_date or m.date):
                review.stale("status", last, f"the plan for this {m.status} meeting")
        record = MeetingPublic(
            id=m.id,
            kind=m.kind,
            number=m.number,
            name=m.name,
            status=m.status,
            outcome=m.outcome,
            place=m.place,
            host=m.host_id,
            date=m.date,
            end_date=m.end_date,
            outcomes=m.outcomes,
            bodies_established=established.get(m.id, []),
            bodies_proposed=proposed.get(m.id, []),
            sources=cites,
            disputed=disputed.get(m.id, []),
            reviewed=reviewed[m.id],
            updated_at=m.updated_at,
            **review.fields(last_attested=last, derivations=derived.get(m.id, [])),
        )
        built.append(Built(record, names=tuple(x for x in (m.name, m.place) if x)))
    return built


def keep(meeting: MeetingPublic, params: MeetingListParams) -> bool:
    year = int(meeting.date[:4])
    return (
        (params.kind is None or meeting.kind == params.kind)
        and (params.status is None or meeting.status == params.status)
        and (params.outcome is None or meeting.outcome == params.outcome)
        and (params.host is None or meeting.host == params.host.upper())
        and (params.year_from is None or year >= params.year_from)
        and (params.year_to is None or year <= params.year_to)
        and keep_review(meeting, params.needs_review)
    )


def rows(meeting: MeetingCreate) -> Iterator[Row]:
    yield Row(
        Meeting,
        {
            **fields_except(meeting, "host"),
            "host_id": meeting.host,
            "date_first_day": first_day(meeting.date),
        },
    )


def check(meeting: MeetingCreate, world: World) -> None:
    if meeting.host and meeting.host not in world.ids(MEMBERS):
        raise RecordError("the host must be a member state", "host")


STORAGE = Storage(
    file="meetings.toml",
    schema=MeetingCreate,
    tables=(Table(Meeting, fields={"host_id": "host", "date_first_day": "date"}),),
    rows=rows,
    check=check,
    refers_to=(MEMBERS,),
)
