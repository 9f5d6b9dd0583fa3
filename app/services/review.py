"""Freshness and review: when a record's current state was last attested by a dated
source, and whether a curator should check it again on the snapshot's day.

Three rules, each a `ReviewReasonPublic`:

* `expected-end-passed`: something presented as current (a chair, a coordinators' term,
  an official with no successor) has passed the end its sources expected;
* `date-passed`: a planned or scheduled date has passed at its precision: `2025` is past
  once 2025 is over, `2026-10` once October 2026 is;
* `not-attested`: the record's current state rests on no source dated within the review
  period (`CICA_REVIEW_AFTER_MONTHS`, 12 by default), counted from the end of the period
  the newest source date covers.

A past fact (a meeting held, a term that ended, a former status) is never stale: only
current states and expectations are reviewed.
"""

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.core.snapshot import REVIEW_AFTER_MONTHS
from app.models.base import last_day
from app.models.citation import CitationPublic
from app.models.derivation import DerivationPublic
from app.models.freshness import ReviewReasonPublic, ReviewRule
from app.services.common import source_dates

DEFAULT_REVIEW_AFTER_MONTHS = 12
"""The setting's default (`app.core.config.Settings.review_after_months`)."""


@dataclass(frozen=True)
class ReviewPolicy:
    today: dt.date
    months: int = DEFAULT_REVIEW_AFTER_MONTHS

    @property
    def horizon(self) -> dt.date:
        """The first day a source must cover to attest a current state today."""
        return months_before(self.today, self.months)

    def passed(self, value: str | None) -> bool:
        """Whether every day `value` covers is before today (`2025` after 2025-12-31)."""
        end = last_day(value)
        return end is not None and end < self.today


def months_before(day: dt.date, months: int) -> dt.date:
    years, month0 = divmod(day.month - 1 - months, 12)
    year = day.year + years
    return dt.date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def policy(session: Session, today: dt.date) -> ReviewPolicy:
    """The review policy of the snapshot being built (its day and the setting)."""
    months = session.info.get(REVIEW_AFTER_MONTHS, DEFAULT_REVIEW_AFTER_MONTHS)
    return ReviewPolicy(today=today, months=int(months))


def newest(dates: Iterable[str | None]) -> str | None:
    """The newest of partial dates: the latest last day, the more precise one on a tie."""
    present = [d for d in dates if d]
    return max(present, key=lambda d: (last_day(d), len(d)), default=None)


def attested(
    citations: Sequence[CitationPublic],
    dates: dict[str, str],
    fields: frozenset[str] | None = None,
) -> str | None:
    """The newest date of the dated sources among `citations` that support one of `fields`
    (any citation when `fields` is None)."""
    return newest(
        dates.get(c.source_id)
        for c in citations
        if fields is None or fields.intersection(c.supports)
    )


@dataclass
class Review:
    """The reasons one record collects; `fields()` gives what its public model shows."""

    policy: ReviewPolicy
    reasons: list[ReviewReasonPublic] = field(default_factory=list)

    def add(self, rule: ReviewRule, field_name: str, detail: str) -> None:
        self.reasons.append(ReviewReasonPublic(rule=rule, field=field_name, detail=detail))

    def expected_end(self, field_name: str, end: str | None, what: str) -> None:
        if self.policy.passed(end):
            self.add(
                "expected-end-passed",
                field_name,
                f"{what} was expected to end by {end}; that date has passed and no source "
                "read reports what followed.",
            )

    def date_passed(self, field_name: str, value: str | None, what: str) -> None:
        if self.policy.passed(value):
            self.add(
                "date-passed",
                field_name,
                f"{what} was expected on {value}; that date has passed and no source read "
                "reports it done.",
            )

    def stale(self, field_name: str, last: str | None, what: str) -> None:
        """`not-attested` when no dated source within the review period attests `what`."""
        if last is None:
            self.add("not-attested", field_name, f"No dated source attests {what}.")
            return
        end = last_day(last)
        if end is not None and end < self.policy.horizon:
            self.add(
                "not-attested",
                field_name,
                f"{what[0].upper()}{what[1:]} was last attested by a source dated {last}, "
                f"more than {self.policy.months} months ago.",
            )

    def fields(
        self, *, last_attested: str | None, derivations: Sequence[DerivationPublic] = ()
    ) -> dict[str, Any]:
        return {
            "derivations": list(derivations),
            "last_attested": last_attested,
            "needs_review": bool(self.reasons),
            "review_reasons": list(self.reasons),
        }


def start(session: Session, today: dt.date) -> tuple[ReviewPolicy, dict[str, str]]:
    """What a collection's builder needs to judge freshness: the policy and source dates."""
    return policy(session, today), source_dates(session)


def keep_review(record: Any, wanted: bool | None) -> bool:
    """The `needs_review` filter."""
    return wanted is None or record.needs_review == wanted
