"""Observers and applicants, states and organizations alike."""

import datetime as dt

from sqlmodel import Session, col, select

from app.core.errors import NotFound
from app.core.listing import sort_records
from app.models import Organization, State, StatusPeriod
from app.models.collections import RECORD_TYPES
from app.models.observer import ObserverPublic
from app.services.common import citations_for, disputes_for, matches, pick_name, sort_name
from app.services.parties import histories, periods_holding, public_history

RECORD_TYPE = RECORD_TYPES["observers"]
OBSERVER_STATUSES = ("observer", "applicant")
SORT_KEYS = {
    "id": lambda o: o.id,
    "name": lambda o: o.name.casefold(),
    "since": lambda o: o.since,
    "type": lambda o: o.type,
    "status": lambda o: o.status,
}


def list_observers(
    *,
    session: Session,
    as_of: dt.date | None = None,
    status: str | None = None,
    type: str | None = None,
    q: str | None = None,
    sort: str | None = None,
) -> list[ObserverPublic]:
    """Observers and applicants on `as_of` (today when None), by name unless sorted."""
    statuses = [status] if status else list(OBSERVER_STATUSES)
    holding = periods_holding(session=session, statuses=statuses, as_of=as_of)
    observers = _to_public(session, holding)
    if type:
        observers = [o for o in observers if o.type == type]
    observers = [
        o
        for o in observers
        if matches(q, o.id, o.acronym, o.iso_alpha3, *o.names.values(), *o.aliases)
    ]
    observers.sort(key=lambda o: sort_name(o.names))
    return sort_records(observers, sort, SORT_KEYS)


def get_observer(*, session: Session, observer_id: str) -> ObserverPublic:
    """A party that is or was an observer or applicant: alpha-2/alpha-3 code or slug."""
    code = observer_id.upper()
    state = session.exec(
        select(State).where(col(State.id if len(code) == 2 else State.iso_alpha3) == code)
    ).first()
    party_filter = (
        StatusPeriod.state_id == state.id
        if state
        else StatusPeriod.organization_id == observer_id.lower()
    )
    periods = session.exec(
        select(StatusPeriod)
        .where(party_filter, col(StatusPeriod.status).in_(OBSERVER_STATUSES))
        .order_by(col(StatusPeriod.since_date).desc())
    ).all()
    if not periods:
        raise NotFound(f"No observer or applicant with id '{observer_id}'.")
    return _to_public(session, [periods[0]])[0]


def _to_public(session: Session, holding: list[StatusPeriod]) -> list[ObserverPublic]:
    state_ids = [p.state_id for p in holding if p.state_id]
    org_ids = [p.organization_id for p in holding if p.organization_id]
    states = {s.id: s for s in session.exec(select(State).where(col(State.id).in_(state_ids)))}
    orgs = {
        o.id: o for o in session.exec(select(Organization).where(col(Organization.id).in_(org_ids)))
    }
    periods = histories(session=session, state_ids=state_ids, organization_ids=org_ids)
    citations = citations_for(
        session=session, record_type=RECORD_TYPE, record_ids=[*state_ids, *org_ids]
    )
    disputed = disputes_for(
        session=session, record_type=RECORD_TYPE, record_ids=[*state_ids, *org_ids]
    )
    observers = []
    for period in holding:
        party_id = period.state_id or period.organization_id or ""
        state, org = states.get(party_id), orgs.get(party_id)
        party = state or org
        assert party is not None
        history = periods.get(party_id, [])
        observers.append(
            ObserverPublic(
                id=party_id,
                type="state" if state else "organization",
                name=pick_name(party.names),
                names=party.names,
                acronym=org.acronym if org else None,
                aliases=org.aliases if org else [],
                iso_alpha3=state.iso_alpha3 if state else None,
                status=period.status,
                since=period.since,
                history=public_history(history),
                sources=citations.get(party_id, []),
                disputed=disputed.get(party_id, []),
                updated_at=max([party.updated_at, *(p.updated_at for p in history)]),
            )
        )
    return observers
