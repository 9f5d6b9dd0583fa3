"""Queries shared by the collection builders: citations and disputes, each read once per
snapshot build (kept in the session's `info`) with column queries, not ORM objects.

When a snapshot reads only a few collections again (`PARTIAL_READ` in the session's
`info`, set by an incremental build) the rows keyed by record are read per record type,
when a builder first asks for one, instead of all at once."""

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from app.core.languages import DEFAULT_LANGUAGE
from app.core.snapshot import PARTIAL_READ
from app.models import Citation, Conflict, ConflictClaim, Derivation, RecordReview, Source
from app.models.citation import CitationPublic, DisputedClaimPublic
from app.models.conflict import CLAIM_RECORD_TYPE
from app.models.derivation import DerivationPublic, PremisePublic

Grouped = dict[tuple[str, str], list[Any]]


def _all_citations(session: Session) -> Grouped:
    cached: Grouped | None = session.info.get("cica.citations")
    if cached is None:
        cached = session.info["cica.citations"] = _read_citations(session, None)
    return cached


def _read_citations(session: Session, record_type: str | None) -> Grouped:
    """Citations by (record type, record id), in their curated order: of one record type,
    or (None) of every one."""
    found: Grouped = defaultdict(list)
    query = sa_select(
        col(Citation.record_type),
        col(Citation.record_id),
        col(Citation.source_id),
        col(Citation.quote),
        col(Citation.supports),
    ).order_by(col(Citation.record_type), col(Citation.record_id), col(Citation.position))
    if record_type is not None:
        query = query.where(col(Citation.record_type) == record_type)
    for rtype, rid, source_id, quote, supports in session.execute(query):
        found[(rtype, rid)].append(
            CitationPublic(source_id=source_id, quote=quote, supports=supports)
        )
    return found


def citations_for(*, session: Session, record_type: str) -> dict[str, list[CitationPublic]]:
    """Every citation of one record type, grouped by record, in their curated order."""
    if _partial(session, "cica.citations"):
        found = _of_type(session, "cica.citations.of", record_type, _citations_of)
        return dict(found)
    return {
        rid: cites
        for (rtype, rid), cites in _all_citations(session).items()
        if rtype == record_type
    }


def _partial(session: Session, cache: str) -> bool:
    """Read per record type: an incremental build, unless everything is read already."""
    return bool(session.info.get(PARTIAL_READ)) and cache not in session.info


def _of_type(session: Session, cache: str, record_type: str, read: Any) -> Any:
    by_type: dict[str, Any] = session.info.setdefault(cache, {})
    if record_type not in by_type:
        by_type[record_type] = read(session, record_type)
    return by_type[record_type]


def _citations_of(session: Session, record_type: str) -> dict[str, list[CitationPublic]]:
    return {rid: cites for (_, rid), cites in _read_citations(session, record_type).items()}


def _all_disputes(session: Session) -> Grouped:
    cached: Grouped | None = session.info.get("cica.disputes")
    if cached is None:
        cached = defaultdict(list)
        conflicts = {
            row[0]: row
            for row in session.execute(
                sa_select(
                    col(Conflict.id),
                    col(Conflict.record_type),
                    col(Conflict.record_id),
                    col(Conflict.field),
                )
            )
        }
        claims = session.execute(
            sa_select(
                col(ConflictClaim.conflict_id),
                col(ConflictClaim.position),
                col(ConflictClaim.value),
            )
            .where(col(ConflictClaim.current).is_(False))
            .order_by(col(ConflictClaim.conflict_id), col(ConflictClaim.position))
        )
        citations = citations_for(session=session, record_type=CLAIM_RECORD_TYPE)
        for conflict_id, position, value in claims:
            _, record_type, record_id, field = conflicts[conflict_id]
            if record_type is None:
                continue
            cached[(record_type, record_id or "")].append(
                DisputedClaimPublic(
                    field=field,
                    value=value,
                    conflict_id=conflict_id,
                    sources=citations.get(f"{conflict_id}/{position}", []),
                )
            )
        session.info["cica.disputes"] = cached
    return cached


def disputes_for(*, session: Session, record_type: str) -> dict[str, list[DisputedClaimPublic]]:
    """The competing (non-current) claims about fields of every record of one type."""
    return {
        rid: claims
        for (rtype, rid), claims in _all_disputes(session).items()
        if rtype == record_type
    }


def pick_name(names: dict[str, str], language: str = DEFAULT_LANGUAGE) -> str:
    return names.get(language) or names[DEFAULT_LANGUAGE]


def sort_name(names: dict[str, str]) -> str:
    return names[DEFAULT_LANGUAGE].casefold()


def reviewed_for(*, session: Session, record_type: str) -> dict[str, dt.date]:
    """When each record of one type was last checked against its sources."""
    if _partial(session, "cica.reviews"):
        return dict(_of_type(session, "cica.reviews.of", record_type, _reviews_of))
    cached: dict[tuple[str, str], dt.date] | None = session.info.get("cica.reviews")
    if cached is None:
        rows = session.execute(
            sa_select(
                col(RecordReview.record_type),
                col(RecordReview.record_id),
                col(RecordReview.reviewed),
            )
        )
        cached = {(rtype, rid): day for rtype, rid, day in rows}
        session.info["cica.reviews"] = cached
    return {rid: day for (rtype, rid), day in cached.items() if rtype == record_type}


def derivations_for(*, session: Session, record_type: str) -> dict[str, list[DerivationPublic]]:
    """The curated derivations of every record of one type, in their curated order."""
    if _partial(session, "cica.derivations"):
        return dict(_of_type(session, "cica.derivations.of", record_type, _derivations_of))
    cached: Grouped | None = session.info.get("cica.derivations")
    if cached is None:
        cached = session.info["cica.derivations"] = _read_derivations(session, None)
    return {rid: items for (rtype, rid), items in cached.items() if rtype == record_type}


def _reviews_of(session: Session, record_type: str) -> dict[str, dt.date]:
    rows = session.execute(
        sa_select(col(RecordReview.record_id), col(RecordReview.reviewed)).where(
            col(RecordReview.record_type) == record_type
        )
    )
    return {rid: day for rid, day in rows}


def _derivations_of(session: Session, record_type: str) -> dict[str, list[DerivationPublic]]:
    return {rid: items for (_, rid), items in _read_derivations(session, record_type).items()}


def _read_derivations(session: Session, record_type: str | None) -> Grouped:
    """Derivations by (record type, record id), in their curated order: of one record
    type, or (None) of every one."""
    found: Grouped = defaultdict(list)
    query = sa_select(
        col(Derivation.record_type),
        col(Derivation.record_id),
        col(Derivation.fields),
        col(Derivation.rule),
        col(Derivation.premises),
    ).order_by(col(Derivation.record_type), col(Derivation.record_id), col(Derivation.position))
    if record_type is not None:
        query = query.where(col(Derivation.record_type) == record_type)
    for rtype, rid, fields, rule, premises in session.execute(query):
        found[(rtype, rid)].append(
            DerivationPublic(
                fields=fields,
                rule=rule,
                premises=[PremisePublic.of(p) for p in premises],
                computed=False,
            )
        )
    return found


def source_dates(session: Session) -> dict[str, str]:
    """Each dated source's date, at its precision."""
    cached: dict[str, str] | None = session.info.get("cica.source_dates")
    if cached is None:
        rows = session.execute(sa_select(col(Source.id), col(Source.date)))
        cached = {source_id: date for source_id, date in rows if date}
        session.info["cica.source_dates"] = cached
    return cached
