"""CICA itself: the curated record, with its current chair and counts derived from the
rest of the dataset on the snapshot's day (the same periods and rules the collections
use), never typed."""

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.core.listing import CollectionParams
from app.core.snapshot import Built
from app.core.storage import Row, Storage, Table, World
from app.models import (
    Chairmanship,
    Council,
    Institution,
    Meeting,
    Official,
    Organization,
    Partnership,
    RecordReview,
    State,
)
from app.models.institution import (
    Counts,
    CurrentChair,
    FoundingDocumentPublic,
    InitiativePublic,
    InstitutionCreate,
    InstitutionPublic,
    ObserverCounts,
    PartnerCounts,
    SeatPublic,
)
from app.services.chairmanships import current_chair
from app.services.common import citations_for, disputes_for, pick_name, reviewed_for
from app.services.officials import in_office
from app.services.parties import histories, interval
from app.services.references import MEETINGS, meeting

COLLECTION = "organization"
SORT_KEYS: dict[str, Any] = {"id": lambda o: o.id}


def build(session: Session, today: dt.date) -> list[Built[InstitutionPublic]]:
    row = session.get(Institution, "cica")
    if row is None:
        return []
    citations = citations_for(session=session, record_type=COLLECTION)
    disputed = disputes_for(session=session, record_type=COLLECTION)
    reviewed = reviewed_for(session=session, record_type=COLLECTION)
    seats = [
        SeatPublic(city=s["city"], since=s.get("from"), until=s.get("to")) for s in row.seat_history
    ]
    record = InstitutionPublic(
        id=row.id,
        name=pick_name(row.names),
        names=row.names,
        acronym=row.acronym,
        aliases=row.aliases,
        founded=row.founded,
        initiative=InitiativePublic.model_validate(row.initiative),
        founding_documents=[
            FoundingDocumentPublic.model_validate(d) for d in row.founding_documents
        ],
        seat=next((s.city for s in reversed(seats) if s.until is None), None),
        seat_history=seats,
        membership_criterion=row.membership_criterion,
        charter_status=row.charter_status,
        current_chair=_current_chair(session, today),
        counts=counts(session, today),
        data_as_of=session.execute(sa_select(func.max(col(RecordReview.reviewed)))).scalar(),
        sources=citations.get(row.id, []),
        disputed=disputed.get(row.id, []),
        reviewed=reviewed[row.id],
        updated_at=row.updated_at,
    )
    return [Built(record, exact=(row.acronym,), names=(*row.names.values(), *row.aliases))]


def keep(_record: InstitutionPublic, _params: CollectionParams) -> bool:
    return True


def _current_chair(session: Session, today: dt.date) -> CurrentChair | None:
    chairs = list(session.exec(select(Chairmanship).order_by(col(Chairmanship.term_start_date))))
    chair = current_chair(chairs, today)
    if chair is None:
        return None
    state = session.get(State, chair.state_id)
    assert state is not None
    return CurrentChair(
        chairmanship_id=chair.id,
        state=chair.state_id,
        state_name=pick_name(state.names),
        term_start=chair.term_start,
        term_end=chair.term_end,
        motto=chair.motto,
    )


def counts(session: Session, today: dt.date) -> Counts:
    """Who holds which status now, as the lists without `as_of` answer (open periods)."""
    organization_ids = set(session.exec(select(Organization.id)))
    held: Counter[tuple[str, bool]] = Counter()
    for party_id, periods in histories(session).items():
        for period in periods:
            if interval(period).holds(None):
                held[(period.status, party_id in organization_ids)] += 1
    partners = Counter(session.exec(select(Partnership.status)))
    officials = list(session.exec(select(Official)))
    return Counts(
        members=held[("member", False)],
        observers=ObserverCounts(
            states=held[("observer", False)], organizations=held[("observer", True)]
        ),
        applicants=held[("applicant", False)] + held[("applicant", True)],
        partner_organizations=PartnerCounts(
            active=partners["active"], in_preparation=partners["in-preparation"]
        ),
        councils=dict(sorted(Counter(session.exec(select(Council.status))).items())),
        meetings=dict(sorted(Counter(session.exec(select(Meeting.status))).items())),
        officials_in_office=sum(bool(in_office(o, today, officials)) for o in officials),
    )


def rows(record: InstitutionCreate) -> Iterator[Row]:
    yield Row(
        Institution,
        record.model_dump(
            mode="json", by_alias=True, exclude={"sources", "unverified", "reviewed"}
        ),
    )


def check(record: InstitutionCreate, world: World) -> None:
    for index, document in enumerate(record.founding_documents):
        meeting(world, document.meeting, f"founding_documents.{index}.meeting")


STORAGE = Storage(
    file="organization.toml",
    schema=InstitutionCreate,
    tables=(Table(Institution),),
    rows=rows,
    check=check,
    refers_to=(MEETINGS,),
)
