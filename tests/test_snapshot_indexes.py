"""The snapshot's precomputed indexes answer exactly what a scan of the records answers."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import Engine

from app.core.snapshot import (
    Built,
    CollectionData,
    Interval,
    Item,
    SearchEntry,
    build_snapshot,
    collection_data,
)
from app.core.text import fold
from app.registry import COLLECTIONS, SEARCHABLE
from app.services.search import search

D = dt.date


def listed_by_scan(data: CollectionData[Any], day: dt.date | None) -> tuple[Item[Any], ...]:
    """What `as_of=day` lists, by the definition: every item that holds that day."""
    return tuple(item for item in data.items if item.held is None or item.holds(day))


def boundary_days(data: CollectionData[Any]) -> set[dt.date | None]:
    """Every date an interval holds, the days either side of it, the extremes and None."""
    days: set[dt.date | None] = {None, dt.date.min, dt.date.max}
    for item in data.items:
        for interval in item.held or ():
            for value in (interval.start, interval.end):
                if value is None:
                    continue
                days.add(value)
                if value > dt.date.min:
                    days.add(value - dt.timedelta(days=1))
                if value < dt.date.max:
                    days.add(value + dt.timedelta(days=1))
    return days


def test_as_of_index_matches_a_scan_at_every_boundary_of_the_data(seeded_engine: Engine) -> None:
    snapshot = build_snapshot(seeded_engine, COLLECTIONS)
    with_history = 0
    for name, data in snapshot.collections.items():
        days = boundary_days(data)
        with_history += len(days) > 3
        for day in days:
            assert data.by_day.at(day) == listed_by_scan(data, day), (name, day)
    assert with_history >= 2  # members and observers have status periods


class Thing(BaseModel):
    id: str


def things(*held: tuple[Interval, ...] | None) -> CollectionData[Thing]:
    return collection_data([Built(Thing(id=f"t{n}"), held=h) for n, h in enumerate(held)], Thing)


def test_as_of_index_matches_a_scan_on_every_day_of_made_up_periods() -> None:
    data = things(
        None,  # always listed
        (),  # listed on no day
        (Interval(D(2000, 1, 1), None),),  # open
        (Interval(D(2000, 1, 1), D(2000, 1, 2)),),  # one day
        (Interval(D(1999, 12, 30), D(2000, 1, 1)), Interval(D(2000, 1, 3), D(2000, 1, 5))),
        (Interval(None, None),),  # start unknown: current only
        (Interval(None, D(2000, 1, 2)),),  # start unknown, ended: never
        (Interval(D(2000, 1, 4), D(2000, 1, 4)),),  # empty
        (Interval(dt.date.min, D(2000, 1, 1)), Interval(D(2000, 1, 1), dt.date.max)),
    )
    day = D(1999, 12, 25)
    while day < D(2000, 1, 10):
        assert data.by_day.at(day) == listed_by_scan(data, day), day
        day += dt.timedelta(days=1)
    for extreme in (None, dt.date.min, dt.date.max):
        assert data.by_day.at(extreme) == listed_by_scan(data, extreme), extreme
    assert [i.id for i in data.by_day.at(None)] == ["t0", "t2", "t5"]
    assert [i.id for i in data.by_day.at(D(2000, 1, 1))] == ["t0", "t2", "t3", "t8"]


@dataclass(frozen=True, slots=True)
class AttestedInterval(Interval):
    """An interval whose unknown start falls back on a later date: the index must follow
    whatever dates an interval compares a day with, not only `start` and `end`."""

    attested_from: dt.date | None = None

    def holds(self, day: dt.date | None) -> bool:
        start = self.start or self.attested_from
        if day is None:
            return self.end is None
        return start is not None and start <= day and (self.end is None or day < self.end)


@pytest.mark.parametrize("end", [None, D(2011, 6, 1)])
def test_as_of_index_follows_every_date_an_interval_holds(end: dt.date | None) -> None:
    data = things(
        (AttestedInterval(None, end, attested_from=D(2010, 3, 15)),),
        (AttestedInterval(D(2009, 1, 1), D(2010, 1, 1)),),
    )
    for day in (
        D(2009, 12, 31),
        D(2010, 1, 1),
        D(2010, 3, 14),
        D(2010, 3, 15),
        D(2010, 3, 16),
        D(2011, 5, 31),
        D(2011, 6, 1),
    ):
        assert data.by_day.at(day) == listed_by_scan(data, day), day
    assert [i.id for i in data.by_day.at(D(2010, 3, 15))] == ["t0"]
    assert [i.id for i in data.by_day.at(D(2010, 3, 14))] == []
    assert [i.id for i in data.by_day.at(D(2009, 12, 31))] == ["t1"]


def search_needles(entries: Sequence[SearchEntry]) -> set[str]:
    """Every text of up to 4 characters the search texts hold, every word and pair of words,
    and texts nothing holds."""
    needles = {"zzzz", "qx", "kaz zzz", "\u0436\u0436\u0436"}
    for _, item in entries:
        texts = item.blob.split("\x00")
        for text in texts:
            words = text.split()
            needles.update(words)
            needles.update(" ".join(words[i : i + 2]) for i in range(len(words) - 1))
            for size in range(1, 5):
                needles.update(text[i : i + size].strip() for i in range(len(text) - size + 1))
    return {needle for needle in needles if needle and fold(needle) == needle}


def test_search_candidates_match_a_scan_for_every_short_text_and_word(
    seeded_engine: Engine,
) -> None:
    index = build_snapshot(seeded_engine, COLLECTIONS).search
    needles = search_needles(index.entries)
    assert len(needles) > 1000
    for needle in needles:
        scanned = [entry for entry in index.entries if needle in entry[1].blob]
        assert list(index.candidates(needle)) == scanned, needle


def test_search_ranks_by_score_then_collection_then_english_name(seeded_engine: Engine) -> None:
    """The definition, spelled as a sort over a scan of every searchable record."""
    snapshot = build_snapshot(seeded_engine, COLLECTIONS)
    order = {name: n for n, name in enumerate(SEARCHABLE)}
    records = [
        (name, item)
        for name in SEARCHABLE
        for item in snapshot.collections[name].items
        if item.primary
    ]
    for needle in sorted(search_needles(snapshot.search.entries))[::7]:
        for collections in (None, ["observers", "members"]):
            matches = [
                (name, item)
                for name, item in records
                if needle in item.blob and (collections is None or name in collections)
            ]
            expected = sorted(
                matches,
                key=lambda m: (-m[1].score(needle), order[m[0]], m[1].sort_key),
            )
            hits = search(snapshot, needle, collections)
            assert hits == [(name, item, item.score(needle)) for name, item in expected], needle
