"""Search across every collection, ranked."""

from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from app.services.catalog import COLLECTIONS
from app.services.common import fold


class SearchHit(BaseModel):
    collection: str
    id: str
    name: str
    names: dict[str, str]
    score: int
    record: Any


def _texts(record: Any) -> tuple[list[str], list[str]]:
    """(exact-match texts: id, acronym, codes) and (name-like texts) of a record."""
    exact = [record.id, *(getattr(record, a, None) or "" for a in ("acronym", "iso_alpha3"))]
    names = list(getattr(record, "names", {}).values())
    for attribute in ("name", "title", "subject", "state_name", "place", "publisher"):
        value = getattr(record, attribute, None)
        if isinstance(value, str):
            names.append(value)
    names += list(getattr(record, "aliases", []))
    names += [area.name for area in getattr(record, "priority_areas", [])]
    return [e for e in exact if e], names


def score(query: str, record: Any) -> int:
    """100 exact id/acronym/name, 60 name prefix, 40 word prefix, 20 substring, 0 none."""
    needle = fold(query)
    exact, names = _texts(record)
    folded_names = [fold(n) for n in names]
    if any(fold(e) == needle for e in exact) or needle in folded_names:
        return 100
    if any(n.startswith(needle) for n in folded_names):
        return 60
    if any(f" {needle}" in f" {n}" for n in folded_names):
        return 40
    if any(needle in n for n in folded_names) or any(needle in fold(e) for e in exact):
        return 20
    return 0


def search(*, session: Session, q: str, collections: list[str] | None = None) -> list[SearchHit]:
    hits = []
    for order, collection in enumerate(COLLECTIONS):
        if not collection.searchable or (collections and collection.name not in collections):
            continue
        for record in collection.list_records(session=session):
            points = score(q, record)
            if points:
                names = getattr(record, "names", None) or {"en": _texts(record)[1][0]}
                hits.append(
                    (
                        -points,
                        order,
                        fold(names.get("en", "")),
                        collection.name,
                        record,
                        points,
                        names,
                    )
                )
    hits.sort(key=lambda h: h[:3])
    return [
        SearchHit(
            collection=name,
            id=record.id,
            name=names.get("en", ""),
            names=names,
            score=points,
            record=record,
        )
        for _, _, _, name, record, points, names in hits
    ]
