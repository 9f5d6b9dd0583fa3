"""Member states: who is (or was, on a given day) a member of CICA."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from sqlmodel import Session, col, select

from app.core.errors import NotFound
from app.core.listing import sort_records
from app.models import CbmArea, Chairmanship, Meeting, State
from app.models.collections import RECORD_TYPES
from app.models.member import CbmRole, MemberPublic
from app.services.common import citations_for, disputes_for, matches, pick_name, sort_name
from app.services.parties import histories, periods_holding, public_history

RECORD_TYPE = RECORD_TYPES["members"]
SORT_KEYS = {
    "id": lambda m: m.id,
    "name": lambda m: m.name.casefold(),
    "joined": lambda m: m.joined,
    "iso_alpha3": lambda m: m.iso_alpha3,
}


def list_members(
    *,
    session: Session,
    as_of: dt.date | None = None,
    joined_after: int | None = None,
    joined_before: int | None = None,
    founding: bool | None = None,
    q: str | None = None,
    sort: str | None = None,
) -> list[MemberPublic]:
    """Members on `as_of` (today when None), filtered, sorted by `sort` or by name.

    Collections here hold tens of records, so sorting by localised names happens in Python,
    the same way on SQLite and PostgreSQL.
    """
    holding = {
        p.state_id: p for p in periods_holding(session=session, statuses=["member"], as_of=as_of)
    }
    states = session.exec(select(State).where(col(State.id).in_(list(holding)))).all()
    members = _to_public(session, states)
    if joined_after is not None:
        members = [m for m in members if m.joined and int(m.joined[:4]) > joined_after]
    if joined_before is not None:
        members = [m for m in members if m.joined and int(m.joined[:4]) < joined_before]
    if founding is not None:
        members = [m for m in members if m.founding_member == founding]
    members = [m for m in members if matches(q, m.id, m.iso_alpha3, *m.names.values())]
    members.sort(key=lambda m: sort_name(m.names))
    return sort_records(members, sort, SORT_KEYS)


def get_member(*, session: Session, member_id: str) -> MemberPublic:
    """A state that is or was a member, by alpha-2 or alpha-3 code, any case."""
    code = member_id.upper()
    column = State.id if len(code) == 2 else State.iso_alpha3
    state = session.exec(select(State).where(column == code)).first()
    members = _to_public(session, [state]) if state else []
    if not members:
        raise NotFound(f"No member state with id '{member_id}'.")
    return members[0]


def _to_public(session: Session, states: list[State]) -> list[MemberPublic]:
    ids = [s.id for s in states]
    periods = histories(session=session, state_ids=ids)
    citations = citations_for(session=session, record_type=RECORD_TYPE, record_ids=ids)
    disputed = disputes_for(session=session, record_type=RECORD_TYPE, record_ids=ids)
    chairs = _group(
        session.exec(
            select(Chairmanship.state_id, Chairmanship.id).order_by(Chairmanship.term_start_date)
        )
    )
    hosted = _group(
        session.exec(select(Meeting.host_id, Meeting.id).order_by(Meeting.date_first_day))
    )
    roles = _cbm_roles(session)
    members = []
    for state in states:
        history = periods.get(state.id, [])
        member_periods = [p for p in history if p.status == "member"]
        if not member_periods:
            continue
        current = history[-1]
        members.append(
            MemberPublic(
                id=state.id,
                iso_alpha3=state.iso_alpha3,
                iso_numeric=state.iso_numeric,
                name=pick_name(state.names),
                names=state.names,
                status=current.status if current.until is None else "former-member",
                joined=member_periods[0].since,
                founding_member=any(p.founding for p in member_periods),
                history=public_history(history),
                chairmanships=chairs.get(state.id, []),
                meetings_hosted=hosted.get(state.id, []),
                cbm_areas=roles.get(state.id, []),
                sources=citations.get(state.id, []),
                disputed=disputed.get(state.id, []),
                updated_at=max([state.updated_at, *(p.updated_at for p in history)]),
            )
        )
    return members


def _group(rows: Iterable[tuple[str | None, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for key, value in rows:
        if key:
            grouped[key].append(value)
    return grouped


def _cbm_roles(session: Session) -> dict[str, list[CbmRole]]:
    """Which CBM priority areas each state coordinates or co-coordinates."""
    roles: dict[str, list[CbmRole]] = defaultdict(list)
    areas = session.exec(select(CbmArea).order_by(CbmArea.dimension_id, CbmArea.position))
    for area in areas:
        for role, states in (
            ("coordinator", area.coordinators),
            ("co-coordinator", area.co_coordinators),
        ):
            for state in states:
                roles[state].append(
                    CbmRole(area_id=area.id, dimension_id=area.dimension_id, role=role)
                )
    return roles
