"""What the curated data files say, for the tests whose expectations must follow a
curator's fix: a date, a count, a status or a name is read here, through `seed.reader`
(the loader's own reading), never typed into a test.

The rules the API answers by are restated here independently of the services (a status
period counts from the first day of its start to the day before its end; `data_as_of` is
the latest `reviewed`), so a test compares the API with the files by rule, not by copy.
"""

import datetime as dt
from collections.abc import Iterator
from functools import cache
from typing import Any

from app.models.base import first_day, last_day
from app.models.party import StatusPeriodInput
from seed import SEED_DIR
from seed.reader import Dataset, read_dataset


@cache
def dataset() -> Dataset:
    return read_dataset(SEED_DIR)


def records(collection: str) -> list[Any]:
    """The loaded records of a collection, by its URL name (`partner-organizations`), in
    file order; `unverified` ones are left out, as the loader leaves them out."""
    return list(dataset().records[collection])


def record(collection: str, record_id: str) -> Any:
    return next(r for r in records(collection) if r.id == record_id)


def ids(collection: str) -> set[str]:
    return {r.id for r in records(collection)}


def latest_reviewed() -> dt.date:
    """`data_as_of`: the latest day any record (or conflict) was reviewed."""
    records = (r for rs in dataset().records.values() for r in rs)
    return max(r.reviewed for r in records if getattr(r, "reviewed", None))


# Status periods: a party's history is its periods in members.toml and observers.toml.


def periods(party_id: str) -> list[StatusPeriodInput]:
    """Every status period of a state or organization, oldest first."""
    found = [
        p
        for collection in ("members", "observers")
        for r in records(collection)
        if r.id == party_id
        for p in r.history
    ]
    return sorted(found, key=lambda p: first_day(p.start) or dt.date.min)


def holds(period: StatusPeriodInput, day: dt.date | None) -> bool:
    """`as_of` counts a period from the first day of its start (or attested start) to the
    day before its `to` (or to its last attested day); no day means now (an open period)."""
    if day is None:
        return period.until is None and period.attested_until is None
    start = first_day(period.start)
    if start is None:
        return False
    if period.until is not None:
        end = first_day(period.until)
    elif period.attested_until is not None:
        end = (last_day(period.attested_until) or dt.date.max) + dt.timedelta(days=1)
    else:
        end = None
    return start <= day and (end is None or day < end)


def status_on(party_id: str, day: dt.date | None) -> str | None:
    held = [p.status for p in periods(party_id) if holds(p, day)]
    return held[-1] if held else None


def members_on(day: dt.date | None = None) -> set[str]:
    """The members `/v1/members?as_of=day` lists (now, without a day)."""
    return {m.id for m in records("members") if any(holds(p, day) for p in _of(m, "member"))}


def observers_on(
    day: dt.date | None = None, *, status: str | None = None, type: str | None = None
) -> set[str]:
    """The observers (and applicants) `/v1/observers?as_of=day` lists: a member's observer
    years are in its member record, so both files count."""
    statuses = {status} if status else {"observer", "applicant"}
    return {
        party_id
        for party_id, party_type, history in parties()
        if (type is None or party_type == type)
        and any(holds(p, day) for p in history if p.status in statuses)
    }


def parties() -> list[tuple[str, str, list[StatusPeriodInput]]]:
    """Every state and organization with a status history: (id, type, periods)."""
    return [(m.id, "state", m.history) for m in records("members")] + [
        (o.id, o.type, o.history) for o in records("observers")
    ]


def founding_members() -> set[str]:
    return {m.id for m in records("members") if m.founding_member}


def joined(member: Any) -> str | None:
    """`joined`: the start of the first membership period, at its precision."""
    return next((p.since for p in member.history if p.status == "member"), None)


def boundary_days() -> list[dt.date]:
    """Every day a status begins or ends, and the day before: where `as_of` answers change."""
    days: set[dt.date] = set()
    for _, _, history in parties():
        for p in history:
            for value in (p.start, p.until):
                if value is not None and (day := first_day(value)) is not None:
                    days |= {day, day - dt.timedelta(days=1)}
            if p.attested_until is not None and (day := last_day(p.attested_until)):
                days |= {day, day + dt.timedelta(days=1)}
    return sorted(days)


def _of(member: Any, status: str) -> Iterator[StatusPeriodInput]:
    return (p for p in member.history if p.status == status)


# Conflicts and citations.


def conflicts_about(collection: str) -> list[Any]:
    return [c for c in records("conflicts") if c.record and c.record.collection == collection]


def conflicted(collection: str) -> set[str]:
    """Ids of a collection's records some conflict is about."""
    return {c.record.id for c in conflicts_about(collection)}


def current_claim(conflict: Any) -> Any:
    return next(c for c in conflict.claims if c.current)


DATE_FIELDS = frozenset(
    {
        *("joined", "joined_attested_from", "since", "attested_from", "until"),
        *("attested_until", "established", "proposed", "term_start", "term_end"),
        *("date", "end_date", "added", "expected", "coordinators_since", "coordinators_until"),
    }
)
"""Fields that hold a date: a citation backs one only if its quote states a date or its
source is dated (tests/test_data_quality.py)."""


def dated_sources() -> set[str]:
    return {s.id for s in dataset().sources if s.date}


def seed_documents() -> set[str]:
    """Ids of the source documents (sources with a file the quotes are checked against)."""
    return {s.id for s in dataset().sources if s.file is not None}
