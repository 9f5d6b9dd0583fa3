"""Conflicts: where sources disagree, every claim with its citations."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, col, select

from app.core.snapshot import Built
from app.core.storage import ANY_COLLECTION, Cited, RecordError, Row, Storage, Table, World
from app.models import Conflict, ConflictClaim
from app.models.conflict import CLAIM_RECORD_TYPE, ClaimPublic, ConflictCreate, ConflictPublic
from app.params import ConflictListParams
from app.services.common import citations_for, reviewed_for, source_dates
from app.services.review import attested, keep_review

COLLECTION = "conflicts"
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
    reviewed = reviewed_for(session=session, record_type=COLLECTION)
    dates = source_dates(session)
    return [
        Built(
            ConflictPublic(
                id=c.id,
                subject=c.subject,
                collection=c.record_type,
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


def rows(conflict: ConflictCreate) -> Iterator[Row]:
    """The conflict (with the collection and id of the record it is about), then each
    claim in order."""
    yield Row(
        Conflict,
        {
            "id": conflict.id,
            "subject": conflict.subject,
            "record_type": conflict.record.collection if conflict.record else None,
            "record_id": conflict.record.id if conflict.record else None,
            "field": conflict.field,
            "note": conflict.note,
        },
    )
    for position, claim in enumerate(conflict.claims):
        yield Row(
            ConflictClaim,
            {
                "conflict_id": conflict.id,
                "position": position,
                "value": claim.value,
                "current": claim.current,
            },
            path=f"claims.{position}",
        )


def cited(conflict: ConflictCreate) -> Iterator[Cited]:
    """Each claim has its own citations (they support the conflict's field)."""
    for position, claim in enumerate(conflict.claims):
        yield Cited(
            CLAIM_RECORD_TYPE, f"{conflict.id}/{position}", claim.sources, item=f"claims.{position}"
        )


def check(conflict: ConflictCreate, world: World) -> None:
    """A conflict about a record must name a real record and field, and its current claim
    must be the value the record holds, so the API never shows one thing and cites another."""
    if conflict.record is None:
        return
    citable = world.citable(conflict.record.collection)
    if citable is None:
        raise RecordError("unknown collection", "record.collection")
    if conflict.field not in citable:
        raise RecordError(f"not a field of {conflict.record.collection}", "field")
    if conflict.record.id not in world.ids(conflict.record.collection):
        raise RecordError("no such record", "record.id")
    record = world.get(conflict.record.collection, conflict.record.id)
    if record is None:
        return  # stored before values were kept: nothing to compare with
    current = next(c.value for c in conflict.claims if c.current)
    held = record_value(record, conflict.field)
    if held != current:
        raise RecordError(
            f"the current claim '{current}' differs from the record's {conflict.field} '{held}'",
            "claims",
        )


def record_value(record: Any, public_field: str) -> str | None:
    """The value a record's public field shows, from its input form."""
    if public_field == "joined":
        return next((p.since for p in record.history if p.status == "member"), None)
    if public_field == "joined_attested_from":
        return next((p.attested_from for p in record.history if p.status == "member"), None)
    if public_field in ("since", "attested_from") and hasattr(record, "history"):
        value: str | None = getattr(record.history[-1], public_field)
        return value
    value = getattr(record, public_field, None)
    if isinstance(value, dict):  # a language map (names, a motto): its English value
        value = value.get("en")
    return None if value is None else str(value)


STORAGE = Storage(
    file="conflicts.toml",
    schema=ConflictCreate,
    tables=(
        Table(Conflict, fields={"record_type": "record.collection", "record_id": "record.id"}),
        Table(ConflictClaim, key=("conflict_id", "position")),
    ),
    rows=rows,
    check=check,
    refers_to=(ANY_COLLECTION,),
    check_reads=lambda conflict: (conflict.record.collection,) if conflict.record else (),
    cited=cited,
)
