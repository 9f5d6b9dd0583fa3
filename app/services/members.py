"""Member states: every state that is or was a member, with when it held membership."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from sqlmodel import Session, col, select

from app.core.snapshot import Built
from app.core.storage import Row, Storage
from app.models import CbmArea, Chairmanship, Meeting, State
from app.models.member import CbmRole, MemberCreate, MemberPublic
from app.params import MemberListParams
from app.services.common import citations_for, disputes_for, pick_name, reviewed_for, sort_name
from app.services.parties import (
    PERIODS,
    STATES,
    histories,
    intervals,
    period_rows,
    public_history,
    state_row,
)

COLLECTION = "members"
SORT_KEYS: dict[str, Any] = {
    "id": lambda m: m.id,
    "name": lambda m: m.name.casefold(),
    "joined": lambda m: m.joined,
    "iso_alpha3": lambda m: m.iso_alpha3,
}


def build(session: Session, _today: dt.date) -> list[Built[MemberPublic]]:
    """By English name; each listed on the days it held membership."""
    periods = histories(session)
    citations = citations_for(session=session, record_type=COLLECTION)
    disputed = disputes_for(session=session, record_type=COLLECTION)
    reviewed = reviewed_for(session=session, record_type=COLLECTION)
    chairs = _group(
        session.exec(
            select(Chairmanship.state_id, Chairmanship.id).order_by(
                col(Chairmanship.term_start_date)
            )
        )
    )
    hosted = _group(
        session.exec(select(Meeting.host_id, Meeting.id).order_by(col(Meeting.date_first_day)))
    )
    roles = _cbm_roles(session)
    built = []
    for state in session.exec(select(State)):
        history = periods.get(state.id, [])
        member_periods = [p for p in history if p.status == "member"]
        if not member_periods:
            continue
        current = history[-1]
        record = MemberPublic(
            id=state.id,
            iso_alpha3=state.iso_alpha3,
            iso_numeric=state.iso_numeric,
            name=pick_name(state.names),
            names=state.names,
            status=current.status
            if current.until is None and current.attested_until is None
            else "former-member",
            joined=member_periods[0].since,
            joined_attested_from=member_periods[0].attested_from,
            founding_member=any(p.founding for p in member_periods),
            history=public_history(history),
            chairmanships=chairs.get(state.id, []),
            meetings_hosted=hosted.get(state.id, []),
            cbm_areas=roles.get(state.id, []),
            sources=citations.get(state.id, []),
            disputed=disputed.get(state.id, []),
            reviewed=reviewed[state.id],
            updated_at=max([state.updated_at, *(p.updated_at for p in history)]),
        )
        built.append(
            Built(
                record,
                held=intervals(member_periods),
                aliases=(state.iso_alpha3,),
                exact=(state.iso_alpha3, state.iso_numeric),
                names=tuple(state.names.values()),
            )
        )
    built.sort(key=lambda b: sort_name(b.record.names))
    return built


def keep(member: MemberPublic, params: MemberListParams) -> bool:
    year = int(member.joined[:4]) if member.joined else None
    return (
        (params.joined_after is None or (year is not None and year > params.joined_after))
        and (params.joined_before is None or (year is not None and year < params.joined_before))
        and (params.founding is None or member.founding_member == params.founding)
    )


def _group(rows: Iterable[tuple[str | None, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for key, value in rows:
        if key:
            grouped[key].append(value)
    return grouped


def _cbm_roles(session: Session) -> dict[str, list[CbmRole]]:
    """Which CBM priority areas each state coordinates or co-coordinates."""
    roles: dict[str, list[CbmRole]] = defaultdict(list)
    areas = session.exec(select(CbmArea).order_by(col(CbmArea.dimension_id), col(CbmArea.position)))
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


def rows(member: MemberCreate) -> Iterator[Row]:
    """The state (codes and names from ISO 3166, with the record's overrides) and one row
    per period of its history."""
    yield state_row(member.id, member.names)
    yield from period_rows(member.id, member.history, state=True, founding=member.founding_member)


STORAGE = Storage(file="members.toml", schema=MemberCreate, tables=(STATES, PERIODS), rows=rows)
