"""CICA itself: the curated record, with its current chair and counts derived from the
rest of the dataset on the snapshot's day (the same periods and rules the collections
use), never typed, each with the derivation that says what it counts."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.core.listing import CollectionParams
from app.core.snapshot import Built
from app.core.storage import RECORD_ONLY, Row, Storage, Table, World
from app.models import (
    CbmArea,
    Chairmanship,
    Council,
    Institution,
    Meeting,
    Official,
    Organization,
    Partnership,
    RecordReview,
    Source,
    State,
)
from app.models.base import last_day
from app.models.derivation import DerivationPublic, PremisePublic
from app.models.institution import (
    Counts,
    CurrentChair,
    ExternalStatusPublic,
    FoundingDocumentPublic,
    InitiativePublic,
    InstitutionCreate,
    InstitutionPublic,
    ObserverCounts,
    PartnerCounts,
    SeatPublic,
)
from app.services.chairmanships import COLLECTION as CHAIRMANSHIPS
from app.services.chairmanships import current_chair, review_chair
from app.services.common import (
    citations_for,
    derivations_for,
    disputes_for,
    pick_name,
    reviewed_for,
)
from app.services.officials import in_office
from app.services.parties import histories, interval
from app.services.references import MEETINGS, meeting
from app.services.review import Review, attested, start

COLLECTION = "organization"
SORT_KEYS: dict[str, Any] = {"id": lambda o: o.id}
STATE_FIELDS = frozenset({"seat", "seat_history", "charter_status", "external_status"})
"""CICA's current state: its seat, its Charter's status and its status elsewhere."""


def build(session: Session, today: dt.date) -> list[Built[InstitutionPublic]]:
    row = session.get(Institution, "cica")
    if row is None:
        return []
    citations = citations_for(session=session, record_type=COLLECTION)
    disputed = disputes_for(session=session, record_type=COLLECTION)
    reviewed = reviewed_for(session=session, record_type=COLLECTION)
    derived = derivations_for(session=session, record_type=COLLECTION)
    policy, dates = start(session, today)
    seats = [
        SeatPublic(city=s["city"], since=s.get("from"), until=s.get("to")) for s in row.seat_history
    ]
    cites = citations.get(row.id, [])
    last = attested(cites, dates, STATE_FIELDS)
    review = Review(policy)
    review.stale("charter_status", last, "CICA's seat and the status of its Charter")
    chair = _current_chair(session, today, policy, dates)
    if chair is not None and chair.needs_review:
        review.add(
            chair.review_reasons[0].rule,
            "current_chair",
            f"The current chair ({chair.chairmanship_id}) needs review: "
            + " ".join(reason.detail for reason in chair.review_reasons),
        )
    counted, derivations = counts(session, today)
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
        external_status=[ExternalStatusPublic.model_validate(s) for s in row.external_status],
        current_chair=chair,
        counts=counted,
        data_as_of=session.execute(sa_select(func.max(col(RecordReview.reviewed)))).scalar(),
        sources_until=_sources_until(session),
        sources=cites,
        disputed=disputed.get(row.id, []),
        reviewed=reviewed[row.id],
        updated_at=row.updated_at,
        **review.fields(
            last_attested=last,
            derivations=[
                *derived.get(row.id, []),
                *([_chair_derivation(chair.chairmanship_id)] if chair else []),
                *derivations,
            ],
        ),
    )
    return [Built(record, exact=(row.acronym,), names=(*row.names.values(), *row.aliases))]


def keep(_record: InstitutionPublic, _params: CollectionParams) -> bool:
    return True


def _sources_until(session: Session) -> str | None:
    dates = [d for d in session.exec(select(Source.date)) if d]
    return max(dates, key=lambda d: (last_day(d), len(d)), default=None)


def _current_chair(
    session: Session, today: dt.date, policy: Any, dates: dict[str, str]
) -> CurrentChair | None:
    chairs = list(session.exec(select(Chairmanship).order_by(col(Chairmanship.term_start_date))))
    chair = current_chair(chairs, today)
    if chair is None:
        return None
    state = session.get(State, chair.state_id)
    assert state is not None
    cites = citations_for(session=session, record_type=CHAIRMANSHIPS)
    review = review_chair(chair, attested(cites.get(chair.id, []), dates), policy, is_current=True)
    return CurrentChair(
        chairmanship_id=chair.id,
        state=chair.state_id,
        state_name=pick_name(state.names),
        term_start=chair.term_start,
        term_end=chair.term_end,
        motto=chair.motto,
        needs_review=bool(review.reasons),
        review_reasons=review.reasons,
    )


def _chair_derivation(chairmanship_id: str) -> DerivationPublic:
    return DerivationPublic(
        fields=["current_chair"],
        rule="The chairmanship current today in /v1/chairmanships: the latest whose term has "
        "begun, a chair serving until the next one takes over.",
        premises=[
            PremisePublic(collection="chairmanships", record_id=chairmanship_id, field="current")
        ],
        computed=True,
    )


def _count(
    field: str, rule: str, collection: str, ids: Iterable[str], counted_field: str | None = None
) -> DerivationPublic:
    return DerivationPublic(
        fields=[f"counts.{field}"],
        rule=rule,
        premises=[
            PremisePublic(collection=collection, record_id=i, field=counted_field)
            for i in sorted(ids)
        ],
        computed=True,
    )


def counts(session: Session, today: dt.date) -> tuple[Counts, list[DerivationPublic]]:
    """Who holds which status now, as the lists without `as_of` answer (open periods), and
    the derivation of each count: the rule and the records counted."""
    organization_ids = set(session.exec(select(Organization.id)))
    held: dict[tuple[str, bool], set[str]] = defaultdict(set)
    for party_id, periods in histories(session).items():
        for period in periods:
            if interval(period).holds(None):
                held[(period.status, party_id in organization_ids)].add(party_id)
    partners: dict[str, set[str]] = defaultdict(set)
    for organization_id, status in session.exec(
        select(Partnership.organization_id, Partnership.status)
    ):
        partners[status].add(organization_id)
    councils: dict[str, set[str]] = defaultdict(set)
    for council_id, status in session.exec(select(Council.id, Council.status)):
        councils[status].add(council_id)
    meetings: dict[str, set[str]] = defaultdict(set)
    for meeting_id, status in session.exec(select(Meeting.id, Meeting.status)):
        meetings[status].add(meeting_id)
    officials = list(session.exec(select(Official)))
    in_post = {o.id for o in officials if in_office(o, today, officials)}
    areas: dict[str, set[str]] = defaultdict(set)
    for area_id, dimension_id, part_of in session.exec(
        select(CbmArea.id, CbmArea.dimension_id, CbmArea.part_of)
    ):
        if part_of is None:
            areas[dimension_id].add(area_id)
    applicants = held[("applicant", False)] | held[("applicant", True)]
    derivations = [
        _count(
            "members",
            "Members whose membership is open today.",
            "members",
            held[("member", False)],
            "status",
        ),
        _count(
            "observers.states",
            "Observer states whose status is open today.",
            "observers",
            held[("observer", False)],
            "status",
        ),
        _count(
            "observers.organizations",
            "Observer organizations whose status is open today.",
            "observers",
            held[("observer", True)],
            "status",
        ),
        _count(
            "applicants",
            "Applicants for observer status whose application is open today.",
            "observers",
            applicants,
            "status",
        ),
        _count(
            "partner_organizations.active",
            "Partnerships with status `active`.",
            "partner-organizations",
            partners["active"],
            "status",
        ),
        _count(
            "partner_organizations.in_preparation",
            "Partnerships with status `in-preparation`.",
            "partner-organizations",
            partners["in-preparation"],
            "status",
        ),
        _count(
            "partner_organizations.ended",
            "Partnerships with status `ended`.",
            "partner-organizations",
            partners["ended"],
            "status",
        ),
        *(
            _count(
                f"councils.{status}", f"Bodies with status `{status}`.", "councils", ids, "status"
            )
            for status, ids in sorted(councils.items())
        ),
        *(
            _count(
                f"meetings.{status}", f"Meetings with status `{status}`.", "meetings", ids, "status"
            )
            for status, ids in sorted(meetings.items())
        ),
        _count(
            "officials_in_office",
            "Officials whose `current` is true today.",
            "officials",
            in_post,
            "current",
        ),
        DerivationPublic(
            fields=["counts.cbm_priority_areas"],
            rule="The priority areas the CBM dimensions list, not counting topics "
            "incorporated into another area (`part_of`): "
            + ", ".join(f"{d}: {len(ids)}" for d, ids in sorted(areas.items()))
            + ".",
            premises=[
                PremisePublic(collection="cbm-dimensions", record_id=d, field="priority_areas")
                for d in sorted(areas)
            ],
            computed=True,
        ),
    ]
    counted = Counts(
        members=len(held[("member", False)]),
        observers=ObserverCounts(
            states=len(held[("observer", False)]), organizations=len(held[("observer", True)])
        ),
        applicants=len(applicants),
        partner_organizations=PartnerCounts(
            active=len(partners["active"]),
            in_preparation=len(partners["in-preparation"]),
            ended=len(partners["ended"]),
        ),
        councils={status: len(ids) for status, ids in sorted(councils.items())},
        meetings={status: len(ids) for status, ids in sorted(meetings.items())},
        officials_in_office=len(in_post),
        cbm_priority_areas=sum(len(ids) for ids in areas.values()),
    )
    return counted, derivations


def rows(record: InstitutionCreate) -> Iterator[Row]:
    yield Row(
        Institution,
        record.model_dump(mode="json", by_alias=True, exclude=set(RECORD_ONLY)),
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
