"""Search across every searchable collection of the snapshot, ranked."""

from dataclasses import dataclass
from typing import Any

from app.core.snapshot import Item, Snapshot
from app.core.text import fold


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
    ranked = []
    for order, name, item in snapshot.search.candidates(needle):
        if not collections or name in collections:
            score = item.score(needle)
            ranked.append((-score, order, item.sort_key, Hit(name, item, score)))
    ranked.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in ranked]
