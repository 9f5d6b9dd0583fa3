"""Shared column conventions and value types used by every resource model."""

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy import CheckConstraint, MetaData
from sqlmodel import SQLModel

# Named constraints make migrations reviewable and let autogenerate diff them reliably.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _check_partial_date(value: str) -> str:
    match = _PARTIAL_DATE.match(value)
    if not match:
        raise ValueError(
            "must be an ISO 8601 date of the precision a source gives: YYYY, YYYY-MM or YYYY-MM-DD"
        )
    year, month, day = match.groups()
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError as exc:
        raise ValueError(f"not a valid date: {exc}") from None
    return value


PartialDate = Annotated[
    str,
    AfterValidator(_check_partial_date),
    Field(
        description="ISO 8601 date at the precision the sources support: `1999`, `2022-10` or `2022-10-13`.",
        examples=["1999", "2022-10", "2022-10-13"],
    ),
]


def first_day(value: str | None) -> dt.date | None:
    """The first day a partial date covers: ``1999`` -> 1999-01-01, ``2022-10`` -> 2022-10-01."""
    if value is None:
        return None
    year, month, day = _PARTIAL_DATE.match(_check_partial_date(value)).groups()  # type: ignore[union-attr]
    return dt.date(int(year), int(month or 1), int(day or 1))


def last_day(value: str | None) -> dt.date | None:
    """The last day a partial date covers: ``1999`` -> 1999-12-31, ``2022-02`` -> 2022-02-28."""
    first = first_day(value)
    if first is None or value is None:
        return None
    parts = value.count("-")
    if parts == 2:
        return first
    if parts == 1:
        following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    else:
        following = dt.date(first.year + 1, 1, 1)
    return following - dt.timedelta(days=1)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


Slug = Annotated[
    str,
    Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=2, max_length=80),
]


def require_english(names: dict[str, str]) -> dict[str, str]:
    if not names.get("en"):
        raise ValueError("an English name (`en`) is required")
    return names


class StrictInput(BaseModel):
    """Base of every input (seed or write) schema: unknown fields are an error, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    """A named CHECK that `column` holds one of `values` (portable, unlike DB enums)."""
    allowed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


def _as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; every timestamp the API shows carries UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


UtcDateTime = Annotated[
    dt.datetime,
    AfterValidator(_as_utc),
    Field(description="When this record last changed (UTC).", examples=["2026-11-20T09:30:00Z"]),
]
