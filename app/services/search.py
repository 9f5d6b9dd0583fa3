"""Search across every searchable collection of the snapshot, ranked."""

from dataclasses import dataclass
from typing import Any

from app.core.snapshot import Item, Snapshot
from app.core.text import fold
from app.registry import COLLECTIONS


@dataclass(frozen=True, slots=True)
class Hit:
    collection: str
    item: Item[Any]
    score: int


def search(snapshot: Snapshot, q: str, collections: list[str] | None = None) -> list[Hit]:
    """Best score first; then collections in registry order; then by English name."""
    needle = fold(q)
    if not needle:
        return []
    ranked: list[tuple[int, int, str, Hit]] = []
    for order, spec in enumerate(COLLECTIONS):
        if not spec.searchable or (collections and spec.name not in collections):
            continue
        for item in snapshot.collections[spec.name].items:
            if not item.primary:
                continue
            points = item.score(needle)
            if points:
                hit = Hit(spec.name, item, points)
                ranked.append((-points, order, fold(item.name("en")), hit))
    ranked.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in ranked]
