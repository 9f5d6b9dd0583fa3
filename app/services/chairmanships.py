"""Chairmanships of CICA."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, col, select

from app.core.snapshot import Built
from app.core.storage import RecordError, Row, Storage, Table, World
from app.models import Chairmanship, State
from app.models.base import first_day
from app.models.chairmanship import ChairmanshipCreate, ChairmanshipPublic
from app.models.derivation import DerivationPublic, PremisePublic
from app.params import ChairmanshipListParams
from app.services.common import (
    citations_for,
    derivations_for,
    disputes_for,
    pick_name,
    reviewed_for,
)
from app.services.references import MEMBERS
from app.services.review import Review, ReviewPolicy, attested, keep_review, start

COLLECTION = "chairmanships"
SORT_KEYS: dict[str, Any] = {
    "id": lambda c: c.id,
    "term_start": lambda c: c.term_start,
    "state": lambda c: c.state,
}


def build(session: Session, today: dt.date) -> list[Built[ChairmanshipPublic]]:
    """In order of their terms; the latest that has begun by `today` is current."""
    chairs = list(session.exec(select(Chairmanship).order_by(col(Chairmanship.term_start_date))))
    states = {s.id: s for s in session.exec(select(State))}
    chair_today = current_chair(chairs, today)
    current = chair_today.id if chair_today else None
    citations = citations_for(session=session, record_type=COLLECTION)
    disputed = disputes_for(session=session, record_type=COLLECTION)
    reviewed = reviewed_for(session=session, record_type=COLLECTION)
    derived = derivations_for(session=session, record_type=COLLECTION)
    policy, dates = start(session, today)
    built = []
    for position, c in enumerate(chairs):
        cites = citations.get(c.id, [])
        # Every citation of a chairmanship is about its term: all attest it.
        last = attested(cites, dates)
        review = review_chair(c, last, policy, is_current=c.id == current)
        later = chairs[position + 1] if position + 1 < len(chairs) else None
        derivations = [
            *derived.get(c.id, []),
            current_derivation(c, later, is_current=c.id == current),
        ]
        record = ChairmanshipPublic(
            id=c.id,
            state=c.state_id,
            state_name=pick_name(states[c.state_id].names),
            term_start=c.term_start,
            term_end=c.term_end,
            current=c.id == current,
            motto=c.motto,
            sources=cites,
            disputed=disputed.get(c.id, []),
            reviewed=reviewed[c.id],
            updated_at=c.updated_at,
            **review.fields(last_attested=last, derivations=derivations),
        )
        built.append(
            Built(record, exact=(c.state_id,), names=tuple(states[c.state_id].names.values()))
        )
    return built


def review_chair(
    chair: Chairmanship, last: str | None, policy: ReviewPolicy, *, is_current: bool
) -> Review:
    """The current chair is reviewed when its expected end has passed or its term has not
    been attested within the review period; a past chairmanship never is."""
    review = Review(policy)
    if is_current:
        review.expected_end("term_end", chair.term_end, "The chairmanship's term")
        review.stale("current", last, "the chairmanship")
    return review


def current_chair(chairs: list[Chairmanship], today: dt.date) -> Chairmanship | None:
    """The latest chairmanship (in term order) if it has begun by `today`: a chair serves
    until the next one takes over."""
    begun = [c for c in chairs if c.term_start_date <= today]
    return begun[-1] if begun and begun[-1] is chairs[-1] else None


def current_derivation(
    chair: Chairmanship, later: Chairmanship | None, *, is_current: bool
) -> DerivationPublic:
    """Why `current` is what it is: a chair serves from the start of its term
    until the next chairmanship begins, whatever end its term was expected to have."""
    own = PremisePublic(collection="chairmanships", record_id=chair.id, field="term_start")
    if is_current:
        rule = (
            f"Its term began ({chair.term_start}) and no later chairmanship is recorded as "
            "begun: a chair serves until the next one takes over."
        )
        premises = [own]
    elif later is not None:
        rule = f"The next chairmanship began on {later.term_start}: a chair serves until then."
        premises = [
            own,
            PremisePublic(collection="chairmanships", record_id=later.id, field="term_start"),
        ]
    else:
        rule = f"Its term ({chair.term_start}) has not begun."
        premises = [own]
    return DerivationPublic(fields=["current"], rule=rule, premises=premises, computed=True)


def keep(chair: ChairmanshipPublic, params: ChairmanshipListParams) -> bool:
    return (
        (params.state is None or chair.state == params.state.upper())
        and (params.current is None or chair.current == params.current)
        and keep_review(chair, params.needs_review)
    )


def rows(chair: ChairmanshipCreate) -> Iterator[Row]:
    yield Row(
        Chairmanship,
        {
            "id": chair.id,
            "state_id": chair.state,
            "term_start": chair.term_start,
            "term_start_date": first_day(chair.term_start),
            "term_end": chair.term_end,
            "motto": chair.motto,
        },
    )


def check(chair: ChairmanshipCreate, world: World) -> None:
    if chair.state not in world.ids(MEMBERS):
        raise RecordError("the chair must be a member state", "state")


STORAGE = Storage(
    file="chairmanships.toml",
    schema=ChairmanshipCreate,
    tables=(Table(Chairmanship, fields={"state_id": "state", "term_start_date": "term_start"}),),
    rows=rows,
    check=check,
    refers_to=(MEMBERS,),
)
