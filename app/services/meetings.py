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
from app.services.common import citations_for, disputes_for, reviewed_for
from app.services.references import MEMBERS

COLLECTION = "meetings"
SORT_KEYS: dict[str, Any] = {
    "id": lambda m: m.id,
    "date": lambda m: m.date,
    "kind": lambda m: m.kind,
    "number": lambda m: m.number,
    "place": lambda m: m.place,
}


def build(session: Session, _today: dt.date) -> list[Built[MeetingPublic]]:
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
    meetings = session.exec(select(Meeting).order_by(col(Meeting.date_first_day), col(Meeting.id)))
    return [
        Built(
            MeetingPublic(
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
                sources=citations.get(m.id, []),
                disputed=disputed.get(m.id, []),
                reviewed=reviewed[m.id],
                updated_at=m.updated_at,
            ),
            names=tuple(x for x in (m.name, m.place) if x),
        )
        for m in meetings
    ]


def keep(meeting: MeetingPublic, params: MeetingListParams) -> bool:
    year = int(meeting.date[:4])
    return (
        (params.kind is None or meeting.kind == params.kind)
        and (params.status is None or meeting.status == params.status)
        and (params.host is None or meeting.host == params.host.upper())
        and (params.year_from is None or year >= params.year_from)
        and (params.year_to is None or year <= params.year_to)
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
