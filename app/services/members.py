"""Member states: every state that is or was a member, with when it held membership."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from sqlmodel import Session, col, select

from app.core.snapshot import Built
from app.core.storage import Row, Storage
from app.models import CbmArea, Chairmanship, Meeting, State, StatusPeriod
from app.models.derivation import DerivationPublic, PremisePublic
from app.models.member import CbmRole, MemberCreate, MemberPublic
from app.params import MemberListParams
from app.services.common import (
    citations_for,
    derivations_for,
    disputes_for,
    pick_name,
    reviewed_for,
    sort_name,
)
from app.services.parties import (
    PERIODS,
    STATES,
    ended_status,
    former_entry,
    histories,
    intervals,
    period_rows,
    public_history,
    state_row,
)
from app.services.review import Review, attested, keep_review, start

COLLECTION = "members"
STATE_FIELDS = frozenset({"status"})
"""A member's current state is its status: the citations supporting `status` attest it."""
FORMER = "former-member"
SORT_KEYS: dict[str, Any] = {
    "id": lambda m: m.id,
    "name": lambda m: m.name.casefold(),
    "joined": lambda m: m.joined,
    "iso_alpha3": lambda m: m.iso_alpha3,
}


def build(session: Session, today: dt.date) -> list[Built[MemberPublic]]:
    """By English name; each listed on the days it held membership (and, once membership
    has ended, as a former member from then on)."""
    periods = histories(session)
    citations = citations_for(session=session, record_type=COLLECTION)
    disputed = disputes_for(session=session, record_type=COLLECTION)
    reviewed = reviewed_for(session=session, record_type=COLLECTION)
    derived = derivations_for(session=session, record_type=COLLECTION)
    policy, dates = start(session, today)
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
        last_period = member_periods[-1]
        ended = last_period is not history[-1] or ended_status(last_period)
        cites = citations.get(state.id, [])
        last = attested(cites, dates, STATE_FIELDS)
        review = Review(policy)
        if not ended:
            review.stale("status", last, "its membership")
        founding = any(p.founding for p in member_periods)
        derivations = derived.get(state.id, [])
        if not founding:
            derivations = [*derivations, later_member(state.id, member_periods[0])]
        record = MemberPublic(
            id=state.id,
            iso_alpha3=state.iso_alpha3,
            iso_numeric=state.iso_numeric,
            name=pick_name(state.names),
            names=state.names,
            status="member",
            joined=member_periods[0].since,
            joined_attested_from=member_periods[0].attested_from,
            founding_member=founding,
            history=public_history(history),
            chairmanships=chairs.get(state.id, []),
            meetings_hosted=hosted.get(state.id, []),
            cbm_areas=roles.get(state.id, []),
            sources=cites,
            disputed=disputed.get(state.id, []),
            reviewed=reviewed[state.id],
            updated_at=max([state.updated_at, *(p.updated_at for p in history)]),
            **review.fields(last_attested=last, derivations=derivations),
        )
        entry = Built(
            record,
            held=intervals(member_periods),
            aliases=(state.iso_alpha3,),
            primary=not ended,
            exact=(state.iso_alpha3, state.iso_numeric),
            names=tuple(state.names.values()),
        )
        built.append(entry)
        if ended:
            built.append(former_entry(entry, last_period, FORMER, COLLECTION))
    built.sort(key=lambda b: sort_name(b.record.names))
    return built


def later_member(state_id: str, first: StatusPeriod) -> DerivationPublic:
    """Why a member is not a founding member: its membership began after the Declaration
    was signed (the first Ministerial Meeting), so it is not one of the signatories."""
    start = first.since or first.attested_from
    return DerivationPublic(
        fields=["founding_member"],
        rule=f"Its membership began on {start}, after the Declaration on the Principles "
        "Guiding Relations among the CICA Member States was signed at the first Ministerial "
        "Meeting: it is not one of the signatories.",
        premises=[
            PremisePublic(
                collection="members",
                record_id=state_id,
                field="joined" if first.since else "joined_attested_from",
            ),
            PremisePublic(collection="meetings", record_id="ministerial-1", field="date"),
        ],
        computed=True,
    )


def keep(member: MemberPublic, params: MemberListParams) -> bool:
    year = int(member.joined[:4]) if member.joined else None
    wanted = params.status
    return (
        (member.status == wanted if wanted else member.status != FORMER)
        and keep_review(member, params.needs_review)
        and (params.joined_after is None or (year is not None and year > params.joined_after))
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
