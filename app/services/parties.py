"""Status periods: who held which status on which day."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from sqlmodel import Session, select

from app.core.snapshot import Interval
from app.models import StatusPeriod
from app.models.base import last_day
from app.models.party import StatusPeriodPublic


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
