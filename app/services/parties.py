"""States and organizations and their status periods: who held which status on which day,
and how a party's curated record is stored."""

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlmodel import Session, select

from app.core.snapshot import Built, Interval
from app.core.storage import RecordError, Row, Table
from app.models import Organization, State, StatusPeriod
from app.models.base import first_day, last_day
from app.models.derivation import DerivationPublic, PremisePublic
from app.models.party import StatusPeriodInput, StatusPeriodPublic
from app.services.countries import country

R = TypeVar("R", bound=BaseModel)


def histories(session: Session) -> dict[str, list[StatusPeriod]]:
    """Every party's periods, oldest first, keyed by party id (state or organization)."""
    grouped: dict[str, list[StatusPeriod]] = defaultdict(list)
    for period in session.exec(select(StatusPeriod)):
        grouped[period.state_id or period.organization_id or ""].append(period)
    for periods in grouped.values():
        periods.sort(key=lambda p: (effective_start(p) or dt.date.min, p.id or 0))
    return grouped


def effective_start(period: StatusPeriod) -> dt.date | None:
    """The day `as_of` counts a period from: its start, else the earliest day a source
    attests it (the true start being unknown)."""
    return period.since_date or period.attested_from_date


def effective_end(period: StatusPeriod) -> dt.date | None:
    """The day after the last one `as_of` counts: the next status's first day, else the
    day after the latest a source attests an ended status."""
    if period.until_date is not None:
        return period.until_date
    last = last_day(period.attested_until)
    return last + dt.timedelta(days=1) if last is not None else None


def interval(period: StatusPeriod) -> Interval:
    """A period counts from the first day its (effective) start covers (`1999` ->
    1999-01-01) and ends the day before its `to` date; one with neither a start nor an
    attested date is current-only."""
    return Interval(effective_start(period), effective_end(period))


def intervals(periods: Iterable[StatusPeriod]) -> tuple[Interval, ...]:
    return tuple(interval(p) for p in periods)


def public_history(periods: list[StatusPeriod]) -> list[StatusPeriodPublic]:
    return [
        StatusPeriodPublic(
            status=p.status,
            since=p.since,
            until=p.until,
            start_known=p.since is not None,
            attested_from=p.attested_from,
            end_known=p.attested_until is None,
            attested_until=p.attested_until,
        )
        for p in periods
    ]


def ended_status(period: StatusPeriod) -> bool:
    """Whether a period is known to have ended (its end dated or only attested)."""
    return period.until is not None or period.attested_until is not None


def former_entry(entry: Built[R], period: StatusPeriod, status: str, collection: str) -> Built[R]:
    """What a party's id resolves to once its last period has ended: the record with the
    former status, listed from the day after the period (`status=former-...` only), never
    flagged for review (a past fact does not go stale)."""
    record: Any = entry.record
    end = period.until or f"after {period.attested_until}"
    derivation = DerivationPublic(
        fields=["status"],
        rule=f"Its last {period.status} period ended ({end}) and no later status is recorded, "
        f"so it is a {status}.",
        premises=[PremisePublic(collection=collection, record_id=record.id, field="history")],
        computed=True,
    )
    former = record.model_copy(
        update={
            "status": status,
            "derivations": [*record.derivations, derivation],
            "needs_review": False,
            "review_reasons": [],
        }
    )
    return dataclasses.replace(
        entry, record=former, held=(Interval(effective_end(period), None),), primary=True
    )


# --- Storing a party's records (members, observers, partners) ------------------------------

STATES = Table(State)
ORGANIZATIONS = Table(Organization, shared=True)
"""An organization may be both an observer and a partner: one row, given alike by both."""
PERIODS = Table(
    StatusPeriod,
    key=("state_id", "organization_id", "status", "since", "attested_from"),
    fields={
        "since": "from",
        "since_date": "from",
        "until": "to",
        "until_date": "to",
        "attested_from_date": "attested_from",
        "attested_until_date": "attested_until",
    },
)


def state_row(state_id: str, names: dict[str, str]) -> Row:
    """A state's codes and names come from ISO 3166 (pycountry); `names` overrides them."""
    try:
        values = country(state_id)
    except LookupError as exc:
        raise RecordError(str(exc), "id") from None
    defaults = values["names"]
    assert isinstance(defaults, dict)
    return Row(State, {**values, "names": {**defaults, **names}})


def organization_row(record: Any) -> Row:
    return Row(
        Organization,
        {
            "id": record.id,
            "names": record.names,
            "acronym": record.acronym,
            "aliases": record.aliases,
        },
    )


def period_rows(
    party_id: str, periods: list[StatusPeriodInput], *, state: bool, founding: bool = False
) -> Iterator[Row]:
    """A party's status history: one row per period, owned by a state or an organization."""
    for index, period in enumerate(periods):
        yield Row(
            StatusPeriod,
            {
                "state_id": party_id if state else None,
                "organization_id": None if state else party_id,
                "status": period.status,
                "since": period.since,
                "since_date": first_day(period.since),
                "until": period.until,
                "until_date": first_day(period.until),
                "attested_from": period.attested_from,
                "attested_from_date": first_day(period.attested_from),
                "attested_until": period.attested_until,
                "attested_until_date": first_day(period.attested_until),
                "founding": founding and period.status == "member",
            },
            path=f"history.{index}",
        )
