"""Queries shared by the resource services."""

from collections import defaultdict
from collections.abc import Iterable

from sqlmodel import Session, col, select

from app.models import Citation, DatasetVersion
from app.models.citation import CitationPublic

DEFAULT_LANGUAGE = "en"


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
