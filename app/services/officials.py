"""Officials: the executive heads of CICA and their deputies, by term."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, select

from app.core.snapshot import Built
from app.core.storage import Row, Storage, Table, World, fields_except
from app.models import Official, State
from app.models.base import first_day, last_day
from app.models.derivation import DerivationPublic, PremisePublic
from app.models.official import OfficialCreate, OfficialPublic
from app.params import OfficialListParams
from app.services.common import (
    citations_for,
    derivations_for,
    disputes_for,
    pick_name,
    reviewed_for,
)
from app.services.references import MEETINGS, MEMBERS, meeting, member_states
from app.services.review import Review, attested, keep_review, start

COLLECTION = "officials"
SORT_KEYS: dict[str, Any] = {
    "id": lambda o: o.id,
    "name": lambda o: o.name.casefold(),
    "post": lambda o: o.post,
    "term_start": lambda o: o.term_start,
    "nationality": lambda o: o.nationality,
}


HEAD_POSTS = ("executive-director", "secretary-general")
"""The head of the Secretariat, one holder at a time (the post of Executive Director was
renamed Secretary General): a later holder ends an earlier one's term."""


def starts(official: Official) -> dt.date | None:
    return official.term_start_date or first_day(official.attested_from)


def successor(official: Official, officials: list[Official]) -> Official | None:
    """The next head of the Secretariat after `official`, if one is recorded."""
    start = starts(official)
    if official.post not in HEAD_POSTS or start is None:
        return None
    later = [o for o in officials if o.post in HEAD_POSTS and (s := starts(o)) and s > start]
    return min(later, key=lambda o: starts(o) or dt.date.max, default=None)


def in_office(official: Official, today: dt.date, officials: list[Official]) -> bool | None:
    """Whether `official` holds the post today; None when no source dates a deputy's term."""
    start = starts(official)
    end = last_day(official.term_end)
    if end is not None and today > end:
        return False
    if official.post in HEAD_POSTS:
        later = successor(official, officials)
        taken_over = later is not None and (starts(later) or dt.date.max) <= today
        return start is not None and start <= today and not taken_over
    if official.term_start_date is None:
        return None
    return official.term_start_date <= today


def current_derivation(
    official: Official, today: dt.date, officials: list[Official], current: bool | None
) -> DerivationPublic:
    """Why `current` is what it is on `today`."""
    own = PremisePublic(
        collection="officials",
        record_id=official.id,
        field="term_start" if official.term_start else "attested_from",
    )
    premises = [own]
    later = successor(official, officials)
    end = last_day(official.term_end)
    if end is not None and today > end:
        rule = f"The term ended ({official.term_end})."
        premises.append(
            PremisePublic(collection="officials", record_id=official.id, field="term_end")
        )
    elif current is None:
        rule = "No source dates the term: whether they hold the post today is unknown."
    elif later is not None and (starts(later) or dt.date.max) <= today:
        rule = f"A later holder of the post ({later.id}) took it up: one holder at a time."
        premises.append(
            PremisePublic(
                collection="officials",
                record_id=later.id,
                field="term_start" if later.term_start else "attested_from",
            )
        )
    elif current:
        rule = "The term has begun and neither an end nor a later holder of the post is recorded."
    else:
        rule = "The term has not begun."
    return DerivationPublic(fields=["current"], rule=rule, premises=premises, computed=True)


def build(session: Session, today: dt.date) -> list[Built[OfficialPublic]]:
    """In order of their terms."""
    officials = list(session.exec(select(Official)))
    officials.sort(key=lambda o: (starts(o) or dt.date.max, o.id))
    citations = citations_for(session=session, record_type=COLLECTION)
    disputed = disputes_for(session=session, record_type=COLLECTION)
    reviewed = reviewed_for(session=session, record_type=COLLECTION)
    derived = derivations_for(session=session, record_type=COLLECTION)
    policy, dates = start(session, today)
    states = {s.id: s for s in session.exec(select(State))}
    built = []
    for o in officials:
        nationality = states[o.nationality].names if o.nationality else None
        current = in_office(o, today, officials)
        cites = citations.get(o.id, [])
        last = attested(cites, dates)
        review = Review(policy)
        if current:
            review.stale("current", last, "their holding the post")
        elif o.post in HEAD_POSTS and successor(o, officials) is None:
            # The last holder of the post, whose term has ended: who followed is unknown.
            review.expected_end("term_end", o.term_end, "The term")
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
            current=current,
            appointed_at=o.appointed_at,
            appointed_by=o.appointed_by,
            sources=cites,
            disputed=disputed.get(o.id, []),
            reviewed=reviewed[o.id],
            updated_at=o.updated_at,
            **review.fields(
                last_attested=last,
                derivations=[
                    *derived.get(o.id, []),
                    current_derivation(o, today, officials, current),
                ],
            ),
        )
        built.append(Built(record, names=(*o.names.values(), *o.aliases)))
    return built


def keep(official: OfficialPublic, params: OfficialListParams) -> bool:
    # `current=false` keeps those known to be out of office, not those unknown (null).
    return (
        (params.post is None or official.post == params.post)
        and (params.nationality is None or official.nationality == params.nationality.upper())
        and (params.current is None or official.current == params.current)
        and keep_review(official, params.needs_review)
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
