"""Status periods: who held which status on which day."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from sqlmodel import Session, col, or_, select

from app.models import StatusPeriod
from app.models.party import StatusPeriodPublic


def periods_holding(
    *, session: Session, statuses: Iterable[str], as_of: dt.date | None
) -> list[StatusPeriod]:
    """Periods of the given statuses held on `as_of`, or still open when it is None.

    A period counts from the first day its start date covers (`1999` -> 1999-01-01) and
    ends the day before its `to` date. A period with no known start is current-only.
    """
    query = select(StatusPeriod).where(col(StatusPeriod.status).in_(list(statuses)))
    if as_of is None:
        query = query.where(col(StatusPeriod.until_date).is_(None))
    else:
        query = query.where(
            col(StatusPeriod.since_date) <= as_of,
            or_(col(StatusPeriod.until_date).is_(None), col(StatusPeriod.until_date) > as_of),
        )
    return list(session.exec(query))


def histories(
    *, session: Session, state_ids: Iterable[str] = (), organization_ids: Iterable[str] = ()
) -> dict[str, list[StatusPeriod]]:
    """Every period of the given parties, oldest first, keyed by party id."""
    state_ids, organization_ids = list(state_ids), list(organization_ids)
    query = select(StatusPeriod).where(
        or_(
            col(StatusPeriod.state_id).in_(state_ids),
            col(StatusPeriod.organization_id).in_(organization_ids),
        )
    )
    grouped: dict[str, list[StatusPeriod]] = defaultdict(list)
    for period in session.exec(query):
        grouped[period.state_id or period.organization_id or ""].append(period)
    for periods in grouped.values():
        periods.sort(key=lambda p: (p.since_date or dt.date.min, p.id or 0))
    return grouped


def public_history(periods: list[StatusPeriod]) -> list[StatusPeriodPublic]:
    return [StatusPeriodPublic(status=p.status, since=p.since, until=p.until) for p in periods]
