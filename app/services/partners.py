"""Partner organizations: one entry per partnership, listed on the days it held (`as_of`);
an ended partnership resolves to an entry with status `ended`, listed from its end when
the list asks for that status."""

import dataclasses
import datetime as dt
from typing import Any

from sqlmodel import Session, select

from app.core.snapshot import Built, Interval
from app.models import Organization, Partnership
from app.models.collections import RECORD_TYPES
from app.models.partner import PartnerOrganizationPublic
from app.params import PartnerListParams
from app.services.common import (
    citations_for,
    derivations_for,
    disputes_for,
    pick_name,
    reviewed_for,
    sort_name,
)
from app.services.review import Review, attested, keep_review, start

RECORD_TYPE = RECORD_TYPES["partner-organizations"]
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
    citations = citations_for(session=session, record_type=RECORD_TYPE)
    disputed = disputes_for(session=session, record_type=RECORD_TYPE)
    reviewed = reviewed_for(session=session, record_type=RECORD_TYPE)
    derived = derivations_for(session=session, record_type=RECORD_TYPE)
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
