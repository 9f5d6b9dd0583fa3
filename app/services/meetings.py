"""Summits, ministerial councils and other CICA meetings."""

from collections import defaultdict

from sqlmodel import Session, select

from app.core.errors import NotFound
from app.core.listing import sort_records
from app.models import Council, Meeting
from app.models.collections import RECORD_TYPES
from app.models.meeting import MeetingPublic
from app.services.common import citations_for, disputes_for, matches

RECORD_TYPE = RECORD_TYPES["meetings"]
SORT_KEYS = {
    "id": lambda m: m.id,
    "date": lambda m: m.date,
    "kind": lambda m: m.kind,
    "number": lambda m: m.number,
    "place": lambda m: m.place,
}


def list_meetings(
    *,
    session: Session,
    kind: str | None = None,
    status: str | None = None,
    host: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    q: str | None = None,
    sort: str | None = None,
) -> list[MeetingPublic]:
    """In date order unless sorted otherwise."""
    query = select(Meeting).order_by(Meeting.date_first_day)
    if kind:
        query = query.where(Meeting.kind == kind)
    if status:
        query = query.where(Meeting.status == status)
    if host:
        query = query.where(Meeting.host_id == host.upper())
    meetings = [
        m
        for m in _to_public(session, list(session.exec(query)))
        if matches(q, m.id, m.name, m.place)
        and (year_from is None or int(m.date[:4]) >= year_from)
        and (year_to is None or int(m.date[:4]) <= year_to)
    ]
    return sort_records(meetings, sort, SORT_KEYS)


def get_meeting(*, session: Session, meeting_id: str) -> MeetingPublic:
    meeting = session.get(Meeting, meeting_id.lower())
    if meeting is None:
        raise NotFound(f"No meeting with id '{meeting_id}'.")
    return _to_public(session, [meeting])[0]


def _to_public(session: Session, meetings: list[Meeting]) -> list[MeetingPublic]:
    ids = [m.id for m in meetings]
    established: dict[str, list[str]] = defaultdict(list)
    proposed: dict[str, list[str]] = defaultdict(list)
    for council in session.exec(select(Council).order_by(Council.id)):
        if council.established_at:
            established[council.established_at].append(council.id)
        if council.proposed_at:
            proposed[council.proposed_at].append(council.id)
    citations = citations_for(session=session, record_type=RECORD_TYPE, record_ids=ids)
    disputed = disputes_for(session=session, record_type=RECORD_TYPE, record_ids=ids)
    return [
        MeetingPublic(
            id=m.id,
            kind=m.kind,
            number=m.number,
            name=m.name,
            status=m.status,
            place=m.place,
            host=m.host_id,
            date=m.date,
            end_date=m.end_date,
            outcomes=m.outcomes,
            bodies_established=established.get(m.id, []),
            bodies_proposed=proposed.get(m.id, []),
            sources=citations.get(m.id, []),
            disputed=disputed.get(m.id, []),
            updated_at=m.updated_at,
        )
        for m in meetings
    ]
