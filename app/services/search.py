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
    ranked = [
        (-item.score(needle), order, item.sort_key, name, item)
        for order, name, item in snapshot.search.candidates(needle)
        if not collections or name in collections
    ]
    ranked.sort(key=_rank)
    return [Hit(name, item, -score) for score, _, _, name, item in ranked]


def _rank(entry: tuple[int, int, str, str, Item[Any]]) -> tuple[int, int, str]:
    return entry[0], entry[1], entry[2]
