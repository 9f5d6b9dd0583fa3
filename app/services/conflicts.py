"""Conflicts: where sources disagree, every claim with its citations."""

from collections import defaultdict

from sqlmodel import Session, col, select

from app.core.errors import NotFound
from app.core.listing import sort_records
from app.models import Conflict, ConflictClaim
from app.models.collections import CLAIM_RECORD_TYPE, COLLECTIONS
from app.models.conflict import ClaimPublic, ConflictPublic
from app.services.common import citations_for, matches

SORT_KEYS = {
    "id": lambda c: c.id,
    "collection": lambda c: c.collection,
    "field": lambda c: c.field,
}


def list_conflicts(
    *,
    session: Session,
    collection: str | None = None,
    record_id: str | None = None,
    q: str | None = None,
    sort: str | None = None,
) -> list[ConflictPublic]:
    conflicts = _to_public(session, list(session.exec(select(Conflict).order_by(Conflict.id))))
    return sort_records(
        [
            c
            for c in conflicts
            if (collection is None or c.collection == collection)
            and (record_id is None or (c.record_id or "").lower() == record_id.lower())
            and matches(q, c.id, c.subject, c.record_id, c.field)
        ],
        sort,
        SORT_KEYS,
    )


def get_conflict(*, session: Session, conflict_id: str) -> ConflictPublic:
    conflict = session.get(Conflict, conflict_id.lower())
    if conflict is None:
        raise NotFound(f"No conflict with id '{conflict_id}'.")
    return _to_public(session, [conflict])[0]


def _to_public(session: Session, conflicts: list[Conflict]) -> list[ConflictPublic]:
    ids = [c.id for c in conflicts]
    claims: dict[str, list[ConflictClaim]] = defaultdict(list)
    for claim in session.exec(
        select(ConflictClaim)
        .where(col(ConflictClaim.conflict_id).in_(ids))
        .order_by(ConflictClaim.conflict_id, ConflictClaim.position)
    ):
        claims[claim.conflict_id].append(claim)
    citations = citations_for(session=session, record_type=CLAIM_RECORD_TYPE)
    return [
        ConflictPublic(
            id=c.id,
            subject=c.subject,
            collection=COLLECTIONS.get(c.record_type or ""),
            record_id=c.record_id,
            field=c.field,
            note=c.note,
            claims=[
                ClaimPublic(
                    value=claim.value,
                    current=claim.current,
                    sources=citations.get(f"{c.id}/{claim.position}", []),
                )
                for claim in claims.get(c.id, [])
            ],
            updated_at=max([c.updated_at, *(cl.updated_at for cl in claims.get(c.id, []))]),
        )
        for c in conflicts
    ]
