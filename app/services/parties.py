"""Status periods: who held which status on which day."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from sqlmodel import Session, select

from app.core.snapshot import Interval
from app.models import StatusPeriod
from app.models.party import StatusPeriodPublic


def histories(session: Session) -> dict[str, list[StatusPeriod]]:
    """Every party's periods, oldest first, keyed by party id (state or organization)."""
    grouped: dict[str, list[StatusPeriod]] = defaultdict(list)
    for period in session.exec(select(StatusPeriod)):
        grouped[period.state_id or period.organization_id or ""].append(period)
    for periods in grouped.values():
        periods.sort(key=lambda p: (p.since_date or dt.date.min, p.id or 0))
    return grouped


def interval(period: StatusPeriod) -> Interval:
    """A period counts from the first day its start covers (`1999` -> 1999-01-01) and ends
    the day before its `to` date; one with no known start is current-only."""
    return Interval(period.since_date, period.until_date)


def intervals(periods: Iterable[StatusPeriod]) -> tuple[Interval, ...]:
    return tuple(interval(p) for p in periods)


def public_history(periods: list[StatusPeriod]) -> list[StatusPeriodPublic]:
    return [StatusPeriodPublic(status=p.status, since=p.since, until=p.until) for p in periods]
