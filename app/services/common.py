"""Queries shared by the resource services."""

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from sqlmodel import Session, col, select

from app.core.representation import DEFAULT_LANGUAGE
from app.models import Citation, Conflict, ConflictClaim, DatasetVersion
from app.models.citation import CitationPublic, DisputedClaimPublic
from app.models.collections import CLAIM_RECORD_TYPE


def dataset_version(*, session: Session) -> int:
    row = session.get(DatasetVersion, 1)
    return row.version if row else 0


def citations_for(
    *, session: Session, record_type: str, record_ids: Iterable[str] | None = None
) -> dict[str, list[CitationPublic]]:
    """Citations of many records in one query, in their curated order."""
    query = select(Citation).where(Citation.record_type == record_type)
    if record_ids is not None:
        query = query.where(col(Citation.record_id).in_(list(record_ids)))
    grouped: dict[str, list[CitationPublic]] = defaultdict(list)
    for citation in session.exec(query.order_by(Citation.record_id, Citation.position)):
        grouped[citation.record_id].append(
            CitationPublic(
                source_id=citation.source_id, quote=citation.quote, supports=citation.supports
            )
        )
    return grouped


def pick_name(names: dict[str, str], language: str = DEFAULT_LANGUAGE) -> str:
    return names.get(language) or names[DEFAULT_LANGUAGE]


def sort_name(names: dict[str, str]) -> str:
    return names[DEFAULT_LANGUAGE].casefold()


def disputes_for(
    *, session: Session, record_type: str, record_ids: Iterable[str] | None = None
) -> dict[str, list[DisputedClaimPublic]]:
    """The competing (non-current) claims about fields of many records, in one pass."""
    query = select(Conflict).where(Conflict.record_type == record_type)
    if record_ids is not None:
        query = query.where(col(Conflict.record_id).in_(list(record_ids)))
    conflicts = {c.id: c for c in session.exec(query)}
    if not conflicts:
        return {}
    claims = session.exec(
        select(ConflictClaim)
        .where(col(ConflictClaim.conflict_id).in_(list(conflicts)), ConflictClaim.current == False)  # noqa: E712
        .order_by(ConflictClaim.conflict_id, ConflictClaim.position)
    ).all()
    citations = citations_for(
        session=session,
        record_type=CLAIM_RECORD_TYPE,
        record_ids=[f"{c.conflict_id}/{c.position}" for c in claims],
    )
    grouped: dict[str, list[DisputedClaimPublic]] = defaultdict(list)
    for claim in claims:
        conflict = conflicts[claim.conflict_id]
        grouped[conflict.record_id or ""].append(
            DisputedClaimPublic(
                field=conflict.field,
                value=claim.value,
                conflict_id=conflict.id,
                sources=citations.get(f"{claim.conflict_id}/{claim.position}", []),
            )
        )
    return grouped


_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form used by `q=` everywhere."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", stripped.replace("ё", "е")).strip()


def matches(query: str | None, *texts: str | None) -> bool:
    """True when `query` occurs in any of the texts (all folded); no query matches all."""
    if not query:
        return True
    needle = fold(query)
    return any(needle in fold(text) for text in texts if text)
