"""CICA's councils and other bodies."""

from sqlmodel import Session, select

from app.core.errors import NotFound
from app.core.listing import sort_records
from app.models import Council
from app.models.collections import RECORD_TYPES
from app.models.council import CouncilPublic
from app.services.common import citations_for, disputes_for, matches, pick_name, sort_name

RECORD_TYPE = RECORD_TYPES["councils"]
SORT_KEYS = {
    "id": lambda c: c.id,
    "name": lambda c: c.name.casefold(),
    "kind": lambda c: c.kind,
    "status": lambda c: c.status,
    "established": lambda c: c.established,
}


def list_councils(
    *,
    session: Session,
    kind: str | None = None,
    status: str | None = None,
    q: str | None = None,
    sort: str | None = None,
) -> list[CouncilPublic]:
    query = select(Council)
    if kind:
        query = query.where(Council.kind == kind)
    if status:
        query = query.where(Council.status == status)
    councils = [
        c
        for c in _to_public(session, list(session.exec(query)))
        if matches(q, c.id, c.acronym, *c.names.values(), *c.aliases)
    ]
    councils.sort(key=lambda c: sort_name(c.names))
    return sort_records(councils, sort, SORT_KEYS)


def get_council(*, session: Session, council_id: str) -> CouncilPublic:
    council = session.get(Council, council_id.lower())
    if council is None:
        raise NotFound(f"No council or body with id '{council_id}'.")
    return _to_public(session, [council])[0]


def _to_public(session: Session, councils: list[Council]) -> list[CouncilPublic]:
    citations = citations_for(
        session=session, record_type=RECORD_TYPE, record_ids=[c.id for c in councils]
    )
    disputed = disputes_for(
        session=session, record_type=RECORD_TYPE, record_ids=[c.id for c in councils]
    )
    return [
        CouncilPublic(
            id=c.id,
            name=pick_name(c.names),
            names=c.names,
            acronym=c.acronym,
            aliases=c.aliases,
            kind=c.kind,
            status=c.status,
            established=c.established,
            proposed=c.proposed,
            proposed_by=c.proposed_by,
            seat=c.seat,
            description=c.description,
            established_at=c.established_at,
            proposed_at=c.proposed_at,
            sources=citations.get(c.id, []),
            disputed=disputed.get(c.id, []),
            updated_at=c.updated_at,
        )
        for c in councils
    ]
