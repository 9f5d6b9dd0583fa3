"""Observers and applicants: one entry for each observer or applicant period of a party, so
`as_of` answers with the status held that day; the latest period is what the id resolves to.
A former observer (its last period ended) resolves to an entry saying so, listed from the day
the period ended when the list asks for its status (`status=former-observer`)."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, select

from app.core.snapshot import Built
from app.core.storage import RecordError, Row, Storage, World
from app.models import Organization, State
from app.models.observer import ObserverCreate, ObserverPublic
from app.params import ObserverListParams
from app.services.common import (
    citations_for,
    derivations_for,
    disputes_for,
    pick_name,
    reviewed_for,
    sort_name,
)
from app.services.parties import (
    ORGANIZATIONS,
    PERIODS,
    STATES,
    ended_status,
    former_entry,
    histories,
    interval,
    organization_row,
    period_rows,
    public_history,
    state_row,
)
from app.services.references import MEMBERS
from app.services.review import Review, attested, keep_review, start

COLLECTION = "observers"
OBSERVER_STATUSES = ("observer", "applicant")
STATE_FIELDS = frozenset({"status"})
"""An observer's current state is its status: the citations supporting `status` attest it."""
SORT_KEYS: dict[str, Any] = {
    "id": lambda o: o.id,
    "name": lambda o: o.name.casefold(),
    "since": lambda o: o.since,
    "type": lambda o: o.type,
    "status": lambda o: o.status,
}


def build(session: Session, today: dt.date) -> list[Built[ObserverPublic]]:
    periods = histories(session)
    states = {s.id: s for s in session.exec(select(State))}
    orgs = {o.id: o for o in session.exec(select(Organization))}
    # A member's observer years are curated (cited, derived, reviewed) in its member record.
    citations = {
        **citations_for(session=session, record_type=MEMBERS),
        **citations_for(session=session, record_type=COLLECTION),
    }
    disputed = disputes_for(session=session, record_type=COLLECTION)
    derived = {
        **derivations_for(session=session, record_type=MEMBERS),
        **derivations_for(session=session, record_type=COLLECTION),
    }
    reviewed = {
        **reviewed_for(session=session, record_type=MEMBERS),
        **reviewed_for(session=session, record_type=COLLECTION),
    }
    policy, dates = start(session, today)
    built = []
    for party_id, history in periods.items():
        held = [p for p in history if p.status in OBSERVER_STATUSES]
        state, org = states.get(party_id), orgs.get(party_id)
        party = state or org
        if not held or party is None:
            continue
        cites = citations.get(party_id, [])
        last_attested = attested(cites, dates, STATE_FIELDS)
        for period in held:
            last = period is held[-1]
            current = last and period is history[-1] and not ended_status(period)
            review = Review(policy)
            if current:
                review.stale("status", last_attested, f"its {period.status} status")
            record = ObserverPublic(
                id=party_id,
                type="state" if state else "organization",
                name=pick_name(party.names),
                names=party.names,
                acronym=org.acronym if org else None,
                aliases=org.aliases if org else [],
                iso_alpha3=state.iso_alpha3 if state else None,
                status=period.status,
                since=period.since,
                attested_from=period.attested_from,
                until=period.until,
                history=public_history(history),
                sources=cites,
                disputed=disputed.get(party_id, []),
                reviewed=reviewed[party_id],
                updated_at=max([party.updated_at, *(p.updated_at for p in history)]),
                **review.fields(last_attested=last_attested, derivations=derived.get(party_id, [])),
            )
            entry = Built(
                record,
                held=(interval(period),),
                aliases=(state.iso_alpha3,) if state else (),
                primary=current,
                exact=tuple(x for x in (record.acronym, record.iso_alpha3) if x),
                names=(*party.names.values(), *record.aliases),
            )
            built.append(entry)
            if last and not current and ended_status(period):
                # A former observer: its id resolves to this, listed when asked for.
                built.append(former_entry(entry, period, f"former-{period.status}", COLLECTION))
    built.sort(key=lambda b: sort_name(b.record.names))
    return built


def keep(observer: ObserverPublic, params: ObserverListParams) -> bool:
    wanted = params.status
    return (
        (observer.status == wanted if wanted else observer.status in OBSERVER_STATUSES)
        and (params.type is None or observer.type == params.type)
        and keep_review(observer, params.needs_review)
    )


def rows(observer: ObserverCreate) -> Iterator[Row]:
    """A state (codes and names from ISO 3166) or an organization (shared with its
    partner record, if it is also a partner), and one row per period of its history."""
    state = observer.type == "state"
    yield state_row(observer.id, observer.names) if state else organization_row(observer)
    yield from period_rows(observer.id, observer.history, state=state)


def check(observer: ObserverCreate, world: World) -> None:
    if observer.type == "state" and observer.id in world.ids(MEMBERS):
        raise RecordError(
            "also in members.toml: keep one record, with its observer years in the history",
            "id",
        )


STORAGE = Storage(
    file="observers.toml",
    schema=ObserverCreate,
    tables=(STATES, ORGANIZATIONS, PERIODS),
    rows=rows,
    check=check,
    refers_to=(MEMBERS,),
)
