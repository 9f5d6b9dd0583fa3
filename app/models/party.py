"""States and organizations, and the time-bounded status each holds in CICA."""

import datetime as dt
import itertools
from typing import Literal

from pydantic import BaseModel, model_validator
from pydantic import Field as PydanticField
from sqlalchemy import JSON, CheckConstraint, Column, Date, DateTime, Index
from sqlmodel import Field, SQLModel

from app.models.base import PartialDate, StrictInput, one_of, utc_now

Status = Literal["member", "observer", "applicant"]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]


class State(SQLModel, table=True):
    """A sovereign state, keyed by ISO 3166-1 alpha-2; codes and names come from pycountry."""

    __tablename__ = "states"

    id: str = Field(primary_key=True, min_length=2, max_length=2)
    iso_alpha3: str = Field(unique=True, max_length=3)
    iso_numeric: str = Field(unique=True, max_length=3)
    names: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class Organization(SQLModel, table=True):
    """An international organization that is an observer of or a partner to CICA."""

    __tablename__ = "organizations"

    id: str = Field(primary_key=True, max_length=80)
    names: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    acronym: str | None = Field(default=None, max_length=40)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class StatusPeriod(SQLModel, table=True):
    """One status held by one party from a date until another (exclusive; open when null).

    Partial dates are kept as the source gives them (`since`), with their first day
    (`since_date`) for range queries: a status known only by its year counts from 1 January.
    When no source gives the start, `attested_from` keeps the earliest date a source
    attests the status, and `as_of` counts the period from there (`effective_start`).
    Likewise a period known to have ended, but not when, keeps `attested_until` (the latest
    date a source attests it): `as_of` counts it to the end of that date, and no further.
    """

    __tablename__ = "status_periods"
    __table_args__ = (
        CheckConstraint(
            "(state_id IS NULL) <> (organization_id IS NULL)", name="exactly_one_party"
        ),
        one_of("status", STATUSES),
        Index("ix_status_periods_status_since", "status", "since_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    state_id: str | None = Field(default=None, foreign_key="states.id", index=True, max_length=2)
    organization_id: str | None = Field(
        default=None, foreign_key="organizations.id", index=True, max_length=80
    )
    status: str = Field(max_length=20)
    since: str | None = Field(default=None, max_length=10)
    since_date: dt.date | None = Field(default=None, sa_column=Column(Date))
    until: str | None = Field(default=None, max_length=10)
    until_date: dt.date | None = Field(default=None, sa_column=Column(Date))
    attested_from: str | None = Field(default=None, max_length=10)
    attested_from_date: dt.date | None = Field(default=None, sa_column=Column(Date))
    attested_until: str | None = Field(default=None, max_length=10)
    attested_until_date: dt.date | None = Field(default=None, sa_column=Column(Date))
    founding: bool = False
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class StatusPeriodInput(StrictInput):
    status: Status
    since: PartialDate | None = PydanticField(default=None, alias="from")
    until: PartialDate | None = PydanticField(default=None, alias="to")
    attested_from: PartialDate | None = PydanticField(
        default=None,
        description="When the true start (`from`) is unknown: the earliest date a source "
        "attests this status.",
    )
    attested_until: PartialDate | None = PydanticField(
        default=None,
        description="For a status that has ended at a date no source gives: the latest date "
        "a source attests it.",
    )

    @model_validator(mode="after")
    def _start_or_attested(self) -> "StatusPeriodInput":
        if self.since is not None and self.attested_from is not None:
            raise ValueError("give `from` (the start) or `attested_from` (start unknown), not both")
        if self.until is not None and self.attested_until is not None:
            raise ValueError("give `to` (the end) or `attested_until` (end unknown), not both")
        start, end = self.start, self.end
        if start and end and end < start[: len(end)]:
            raise ValueError(f"a {self.status} period ends before it starts")
        return self

    @property
    def end(self) -> str | None:
        """The end `as_of` counts to: the true one, else the latest attested day."""
        return self.until or self.attested_until

    @property
    def start(self) -> str | None:
        """The start `as_of` counts from: the true one, else the earliest attested."""
        return self.since or self.attested_from


class StatusPeriodPublic(BaseModel):
    status: str = PydanticField(examples=["observer"])
    since: str | None = PydanticField(
        serialization_alias="from",
        description="First day held, at the precision a source gives; null when no source "
        "gives the start (see `attested_from`).",
    )
    until: str | None = PydanticField(
        serialization_alias="to",
        description="When it ended (the next status began); null if current.",
    )
    start_known: bool = PydanticField(
        description="Whether a source gives the start (`from`). When false, the status is "
        "known to have been held from `attested_from` on, and `as_of` counts it from there."
    )
    attested_from: str | None = PydanticField(
        description="When the start is unknown: the earliest date a source attests the status.",
        examples=["2004"],
    )
    end_known: bool = PydanticField(
        description="False for a status that has ended at a date no source gives: it is "
        "known to have been held until `attested_until`, and `as_of` counts it to then."
    )
    attested_until: str | None = PydanticField(
        description="When the end is unknown: the latest date a source attests the status."
    )


def check_history(periods: list[StatusPeriodInput]) -> list[StatusPeriodInput]:
    """Periods must be in order and must not overlap (an attested start counts as a start)."""
    for earlier, later in itertools.pairwise(periods):
        if earlier.end is None:
            raise ValueError("only the last period of a history may be open-ended")
        start = later.start
        if start is not None and start < earlier.end[: len(start)]:
            raise ValueError("history periods overlap or are out of order")
    return periods
