"""Search across every searchable collection of the snapshot, ranked."""

from typing import Any

from app.core.snapshot import Item, Snapshot
from app.core.text import fold

SCORES = (100, 60, 40, 20)
"""What `Item.score` gives a record that matches, best first."""


Hit = tuple[str, Item[Any], int]
"""A matching record: its collection's name, the record and its score (a plain tuple:
a search makes one per match)."""


def search(snapshot: Snapshot, q: str, collections: list[str] | None = None) -> list[Hit]:
    """Best score first; then collections in registry order; then by English name (the
    order of the index, so ranking is grouping by score)."""
    needle = fold(q)
    if not needle:
        return []
    groups: dict[int, list[Hit]] = {score: [] for score in SCORES}
    for name, item in snapshot.search.candidates(needle):
        if not collections or name in collections:
            score = item.score(needle)
            groups[score].append((name, item, score))
    return [hit for score in SCORES for hit in groups[score]]
