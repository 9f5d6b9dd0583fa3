"""The documents and references the dataset cites."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.core.snapshot import Built
from app.core.storage import Row, Storage, Table
from app.models import Citation, Source
from app.models.source import SourceCreate, SourcePublic
from app.params import SourceListParams

COLLECTION = "sources"
SORT_KEYS: dict[str, Any] = {
    "id": lambda s: s.id,
    "title": lambda s: s.title.casefold(),
    "date": lambda s: s.date,
    "kind": lambda s: s.kind,
}


def build(session: Session, _today: dt.date) -> list[Built[SourcePublic]]:
    """By id, each with how many citations refer to it."""
    counts: dict[str, int] = {
        source_id: count
        for source_id, count in session.exec(
            select(Citation.source_id, func.count()).group_by(col(Citation.source_id))
        )
    }
    return [
        Built(
            SourcePublic(
                id=s.id,
                title=s.title,
                publisher=s.publisher,
                date=s.date,
                kind=s.kind,
                url=s.url,
                sha256=s.sha256,
                citations=counts.get(s.id, 0),
                updated_at=s.updated_at,
            ),
            names=(s.title, s.publisher),
        )
        for s in session.exec(select(Source).order_by(col(Source.id)))
    ]


def keep(source: SourcePublic, params: SourceListParams) -> bool:
    return params.kind is None or source.kind == params.kind


def rows(source: SourceCreate) -> Iterator[Row]:
    yield Row(Source, {**source.model_dump(), "url": str(source.url) if source.url else None})


STORAGE = Storage(file="sources.toml", schema=SourceCreate, tables=(Table(Source),), rows=rows)
