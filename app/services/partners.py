"""Partner organizations."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, select

from app.core.snapshot import Built
from app.core.storage import Row, Storage, Table
from app.models import Organization, Partnership
from app.models.base import first_day
from app.models.partner import PartnerOrganizationCreate, PartnerOrganizationPublic
from app.params import PartnerListParams
from app.services.common import citations_for, disputes_for, pick_name, reviewed_for, sort_name
from app.services.parties import ORGANIZATIONS, organization_row

COLLECTION = "partner-organizations"
SORT_KEYS: dict[str, Any] = {
    "id": lambda p: p.id,
    "name": lambda p: p.name.casefold(),
    "since": lambda p: p.since,
    "status": lambda p: p.status,
}


def build(session: Session, _today: dt.date) -> list[Built[PartnerOrganizationPublic]]:
    citations = citations_for(session=session, record_type=COLLECTION)
    disputed = disputes_for(session=session, record_type=COLLECTION)
    reviewed = reviewed_for(session=session, record_type=COLLECTION)
    built = [
        Built(
            PartnerOrganizationPublic(
                id=org.id,
                name=pick_name(org.names),
                names=org.names,
                acronym=org.acronym,
                aliases=org.aliases,
                relationship=partnership.relationship,
                status=partnership.status,
                since=partnership.since,
                document=partnership.document,
                sources=citations.get(org.id, []),
                disputed=disputed.get(org.id, []),
                reviewed=reviewed[org.id],
                updated_at=max(org.updated_at, partnership.updated_at),
            ),
            exact=(org.acronym,) if org.acronym else (),
            names=(*org.names.values(), *org.aliases),
        )
        for org, partnership in session.exec(select(Organization, Partnership).join(Partnership))
    ]
    built.sort(key=lambda b: sort_name(b.record.names))
    return built


def keep(partner: PartnerOrganizationPublic, params: PartnerListParams) -> bool:
    return (params.status is None or partner.status == params.status) and (
        params.relationship is None or partner.relationship == params.relationship
    )


PARTNERSHIPS = Table(
    Partnership, key=("organization_id",), fields={"organization_id": "id", "since_date": "since"}
)


def rows(partner: PartnerOrganizationCreate) -> Iterator[Row]:
    """The organization (shared with its observer record, if it is also an observer) and
    its partnership."""
    yield organization_row(partner)
    yield Row(
        Partnership,
        {
            "organization_id": partner.id,
            "relationship": partner.relationship,
            "status": partner.status,
            "since": partner.since,
            "since_date": first_day(partner.since),
            "document": partner.document,
        },
    )


STORAGE = Storage(
    file="partner_organizations.toml",
    schema=PartnerOrganizationCreate,
    tables=(ORGANIZATIONS, PARTNERSHIPS),
    rows=rows,
)
