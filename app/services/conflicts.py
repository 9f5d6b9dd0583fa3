"""Conflicts: where sources disagree, every claim with its citations."""

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlmodel import Session, col, select

from app.core.snapshot import Built
from app.models import Conflict, ConflictClaim
from app.models.collections import CLAIM_RECORD_TYPE, COLLECTIONS
from app.models.conflict import ClaimPublic, ConflictPublic
from app.params import ConflictListParams
from app.services.common import citations_for, reviewed_for, source_dates
from app.services.review import attested, keep_review

SORT_KEYS: dict[str, Any] = {
    "id": lambda c: c.id,
    "collection": lambda c: c.collection,
    "field": lambda c: c.field,
}


def build(session: Session, _today: dt.date) -> list[Built[ConflictPublic]]:
    """By id. A conflict is never flagged for review itself: the record it is about is; its
    `last_attested` is the newest dated source of its current claim."""
    claims: dict[str, list[ConflictClaim]] = defaultdict(list)
    for claim in session.exec(
        select(ConflictClaim).order_by(col(ConflictClaim.conflict_id), col(ConflictClaim.position))
    ):
        claims[claim.conflict_id].append(claim)
    citations = citations_for(session=session, record_type=CLAIM_RECORD_TYPE)
    reviewed = reviewed_for(session=session, record_type="conflict")
    dates = source_dates(session)
    return [
        Built(
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
                reviewed=reviewed[c.id],
                last_attested=attested(
                    [
                        cite
                        for claim in claims.get(c.id, [])
                        if claim.current
                        for cite in citations.get(f"{c.id}/{claim.position}", [])
                    ],
                    dates,
                ),
                needs_review=False,
                review_reasons=[],
                updated_at=max([c.updated_at, *(cl.updated_at for cl in claims.get(c.id, []))]),
            ),
            exact=tuple(x for x in (c.record_id, c.field) if x),
            names=(c.subject,),
        )
        for c in session.exec(select(Conflict).order_by(col(Conflict.id)))
    ]


def keep(conflict: ConflictPublic, params: ConflictListParams) -> bool:
    return (
        (params.collection is None or conflict.collection == params.collection)
        and (
            params.record_id is None
            or (conflict.record_id or "").lower() == params.record_id.lower()
        )
        and keep_review(conflict, params.needs_review)
    )
