"""States and organizations, and the time-bounded status each holds in CICA."""

import datetime as dt
import itertools
from typing import Literal

from pydantic import BaseModel
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
    founding: bool = False
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class StatusPeriodInput(StrictInput):
    status: Status
    since: PartialDate | None = PydanticField(default=None, alias="from")
    until: PartialDate | None = PydanticField(default=None, alias="to")


class StatusPeriodPublic(BaseModel):
    status: str = PydanticField(examples=["observer"])
    since: str | None = PydanticField(
        serialization_alias="from", description="First day held, at the precision a source gives."
    )
    until: str | None = PydanticField(
        serialization_alias="to",
        description="When it ended (the next status began); absent if current.",
    )


def check_history(periods: list[StatusPeriodInput]) -> list[StatusPeriodInput]:
    """Periods must be in order and must not overlap."""
    for earlier, later in itertools.pairwise(periods):
        if earlier.until is None:
            raise ValueError("only the last period of a history may be open-ended")
        if later.since is not None and later.since < earlier.until[: len(later.since)]:
            raise ValueError("history periods overlap or are out of order")
    for period in periods:
        if period.since and period.until and period.until < period.since:
            raise ValueError(f"a {period.status} period ends before it starts")
    return periods
