"""Partner organizations."""

from sqlmodel import Session, select

from app.core.errors import NotFound
from app.core.listing import sort_records
from app.models import Organization, Partnership
from app.models.collections import RECORD_TYPES
from app.models.partner import PartnerOrganizationPublic
from app.services.common import citations_for, disputes_for, matches, pick_name, sort_name

RECORD_TYPE = RECORD_TYPES["partner-organizations"]
SORT_KEYS = {
    "id": lambda p: p.id,
    "name": lambda p: p.name.casefold(),
    "since": lambda p: p.since,
    "status": lambda p: p.status,
}


def list_partners(
    *,
    session: Session,
    status: str | None = None,
    relationship: str | None = None,
    q: str | None = None,
    sort: str | None = None,
) -> list[PartnerOrganizationPublic]:
    query = select(Organization, Partnership).join(Partnership)
    if status:
        query = query.where(Partnership.status == status)
    if relationship:
        query = query.where(Partnership.relationship == relationship)
    partners = [
        p
        for p in _to_public(session, list(session.exec(query)))
        if matches(q, p.id, p.acronym, *p.names.values(), *p.aliases)
    ]
    partners.sort(key=lambda p: sort_name(p.names))
    return sort_records(partners, sort, SORT_KEYS)


def get_partner(*, session: Session, partner_id: str) -> PartnerOrganizationPublic:
    row = session.exec(
        select(Organization, Partnership)
        .join(Partnership)
        .where(Organization.id == partner_id.lower())
    ).first()
    if row is None:
        raise NotFound(f"No partner organization with id '{partner_id}'.")
    return _to_public(session, [row])[0]


def _to_public(
    session: Session, rows: list[tuple[Organization, Partnership]]
) -> list[PartnerOrganizationPublic]:
    citations = citations_for(
        session=session, record_type=RECORD_TYPE, record_ids=[o.id for o, _ in rows]
    )
    ids = [o.id for o, _ in rows]
    disputed = disputes_for(session=session, record_type=RECORD_TYPE, record_ids=ids)
    return [
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
            updated_at=max(org.updated_at, partnership.updated_at),
        )
        for org, partnership in rows
    ]
