"""Officials: the executive heads of CICA and their deputies, by term."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, select

from app.core.snapshot import Built
from app.core.storage import Row, Storage, Table, World, fields_except
from app.models import Official, State
from app.models.base import first_day, last_day
from app.models.official import OfficialCreate, OfficialPublic
from app.params import OfficialListParams
from app.services.common import citations_for, disputes_for, pick_name, reviewed_for
from app.services.references import MEETINGS, MEMBERS, meeting, member_states

COLLECTION = "officials"
SORT_KEYS: dict[str, Any] = {
    "id": lambda o: o.id,
    "name": lambda o: o.name.casefold(),
    "post": lambda o: o.post,
    "term_start": lambda o: o.term_start,
    "nationality": lambda o: o.nationality,
}


HEAD_POSTS = ("executive-director", "secretary-general")
"""Posts with one holder at a time: a later holder ends an earlier one's term."""


def starts(official: Official) -> dt.date | None:
    return official.term_start_date or first_day(official.attested_from)


def in_office(official: Official, today: dt.date, officials: list[Official]) -> bool | None:
    """Whether `official` holds the post today; None when no source dates a deputy's term."""
    start = starts(official)
    end = last_day(official.term_end)
    if end is not None and today > end:
        return False
    if official.post in HEAD_POSTS:
        later = [
            o
            for o in officials
            if o.post == official.post and (s := starts(o)) and start and start < s <= today
        ]
        return start is not None and start <= today and not later
    if official.term_start_date is None:
        return None
    return official.term_start_date <= today


def build(session: Session, today: dt.date) -> list[Built[OfficialPublic]]:
    """In order of their terms."""
    officials = list(session.exec(select(Official)))
    officials.sort(key=lambda o: (starts(o) or dt.date.max, o.id))
    citations = citations_for(session=session, record_type=COLLECTION)
    disputed = disputes_for(session=session, record_type=COLLECTION)
    reviewed = reviewed_for(session=session, record_type=COLLECTION)
    states = {s.id: s for s in session.exec(select(State))}
    built = []
    for o in officials:
        nationality = states[o.nationality].names if o.nationality else None
        record = OfficialPublic(
            id=o.id,
            post=o.post,
            name=pick_name(o.names),
            names=o.names,
            aliases=o.aliases,
            nationality=o.nationality,
            nationality_name=nationality["en"] if nationality else None,
            term_start=o.term_start,
            term_end=o.term_end,
            attested_from=o.attested_from,
            attested_until=o.attested_until,
            current=in_office(o, today, officials),
            appointed_at=o.appointed_at,
            appointed_by=o.appointed_by,
            sources=citations.get(o.id, []),
            disputed=disputed.get(o.id, []),
            reviewed=reviewed[o.id],
            updated_at=o.updated_at,
        )
        built.append(Built(record, names=(*o.names.values(), *o.aliases)))
    return built


def keep(official: OfficialPublic, params: OfficialListParams) -> bool:
    # `current=false` keeps those known to be out of office, not those unknown (null).
    return (
        (params.post is None or official.post == params.post)
        and (params.nationality is None or official.nationality == params.nationality.upper())
        and (params.current is None or official.current == params.current)
    )


def rows(official: OfficialCreate) -> Iterator[Row]:
    yield Row(
        Official,
        {**fields_except(official), "term_start_date": first_day(official.term_start)},
    )


def check(official: OfficialCreate, world: World) -> None:
    if official.nationality:
        member_states(world, [official.nationality], "nationality")
    meeting(world, official.appointed_at, "appointed_at")


STORAGE = Storage(
    file="officials.toml",
    schema=OfficialCreate,
    tables=(Table(Official, fields={"term_start_date": "term_start"}),),
    rows=rows,
    check=check,
    refers_to=(MEMBERS, MEETINGS),
)
