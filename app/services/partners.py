"""Partner organizations: one entry per partnership, listed on the days it held (`as_of`);
an ended partnership resolves to an entry with status `ended`, listed from its end when
the list asks for that status."""

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, select

from app.core.snapshot import Built, Interval
from app.core.storage import Row, Storage, Table, Values
from app.models import Organization, Partnership
from app.models.base import first_day
from app.models.partner import PartnerOrganizationCreate, PartnerOrganizationPublic
from app.params import PartnerListParams
from app.services.common import (
    citations_for,
    derivations_for,
    disputes_for,
    pick_name,
    reviewed_for,
    sort_name,
)
from app.services.parties import ORGANIZATIONS, organization_row
from app.services.review import Review, attested, keep_review, start

COLLECTION = "partner-organizations"
CURRENT_STATUSES = ("active", "in-preparation")
ENDED = "ended"
STATE_FIELDS = frozenset({"status", "until"})
"""A partnership's current state is its status (or its end): the citations supporting
those fields attest it."""
SORT_KEYS: dict[str, Any] = {
    "id": lambda p: p.id,
    "name": lambda p: p.name.casefold(),
    "since": lambda p: p.since,
    "status": lambda p: p.status,
}


def build(session: Session, today: dt.date) -> list[Built[PartnerOrganizationPublic]]:
    citations = citations_for(session=session, record_type=COLLECTION)
    disputed = disputes_for(session=session, record_type=COLLECTION)
    reviewed = reviewed_for(session=session, record_type=COLLECTION)
    derived = derivations_for(session=session, record_type=COLLECTION)
    policy, dates = start(session, today)
    built: list[Built[PartnerOrganizationPublic]] = []
    for org, partnership in session.exec(select(Organization, Partnership).join(Partnership)):
        cites = citations.get(org.id, [])
        last = attested(cites, dates, STATE_FIELDS)
        review = Review(policy)
        ended = partnership.status == ENDED
        if not ended:
            review.stale("status", last, f"the partnership's status ({partnership.status})")
        record = PartnerOrganizationPublic(
            id=org.id,
            name=pick_name(org.names),
            names=org.names,
            acronym=org.acronym,
            aliases=org.aliases,
            relationship=partnership.relationship,
            status=partnership.status,
            since=partnership.since,
            attested_from=partnership.attested_from,
            until=partnership.until,
            document=partnership.document,
            sources=cites,
            disputed=disputed.get(org.id, []),
            reviewed=reviewed[org.id],
            updated_at=max(org.updated_at, partnership.updated_at),
            **review.fields(last_attested=last, derivations=derived.get(org.id, [])),
        )
        start_day = partnership.since_date or partnership.attested_from_date
        entry = Built(
            record,
            held=(Interval(start_day, partnership.until_date),),
            exact=(org.acronym,) if org.acronym else (),
            names=(*org.names.values(), *org.aliases),
        )
        if ended:
            # Listed as active on the days it held, as ended from its end on.
            active = record.model_copy(update={"status": "active"})
            built.append(dataclasses.replace(entry, record=active, primary=False))
            entry = dataclasses.replace(entry, held=(Interval(partnership.until_date, None),))
        built.append(entry)
    built.sort(key=lambda b: sort_name(b.record.names))
    return built


def keep(partner: PartnerOrganizationPublic, params: PartnerListParams) -> bool:
    wanted = params.status
    return (
        (partner.status == wanted if wanted else partner.status in CURRENT_STATUSES)
        and (params.relationship is None or partner.relationship == params.relationship)
        and keep_review(partner, params.needs_review)
    )


PARTNERSHIPS = Table(
    Partnership,
    key=("organization_id",),
    fields={
        "organization_id": "id",
        "since_date": "since",
        "attested_from_date": "attested_from",
        "until_date": "until",
    },
)


def rows(partner: PartnerOrganizationCreate) -> Iterator[Row]:
    """The organization (shared with its observer record, if it is also an observer) and
    its partnership."""
    yield organization_row(partner)
    yield Row(Partnership, partnership_row(partner))


def partnership_row(partner: PartnerOrganizationCreate) -> Values:
    """A partnership with its dates (and their first days, for `as_of`)."""
    return {
        "organization_id": partner.id,
        "relationship": partner.relationship,
        "status": partner.status,
        "since": partner.since,
        "since_date": first_day(partner.since),
        "attested_from": partner.attested_from,
        "attested_from_date": first_day(partner.attested_from),
        "until": partner.until,
        "until_date": first_day(partner.until),
        "document": partner.document,
    }


STORAGE = Storage(
    file="partner_organizations.toml",
    schema=PartnerOrganizationCreate,
    tables=(ORGANIZATIONS, PARTNERSHIPS),
    rows=rows,
)
