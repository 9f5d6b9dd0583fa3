"""Meetings: CICA summits, ministerial councils and other numbered gatherings."""

import datetime as dt
from typing import Literal

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import Column, Date, DateTime, Text
from sqlmodel import Field, SQLModel

from app.models.base import PartialDate, Slug, UtcDateTime, one_of, utc_now
from app.models.citation import DISPUTED_DESCRIPTION, CitationPublic, DisputedClaimPublic
from app.models.derivation import DERIVATIONS_DESCRIPTION, DerivationPublic
from app.models.freshness import LastAttested, NeedsReview, ReviewReasons
from app.models.inputs import CitedInput
from app.models.review import Reviewed

MeetingKind = Literal[
    "summit",
    "ministerial",
    "informal-ministerial",
    "special-ministerial",
    "volunteer-summit",
    "council-meeting",
]
MeetingStatus = Literal["held", "scheduled", "planned"]
MeetingOutcome = Literal["unconfirmed", "postponed", "cancelled"]
MEETING_KINDS: tuple[str, ...] = MeetingKind.__args__  # type: ignore[attr-defined]
MEETING_STATUSES: tuple[str, ...] = MeetingStatus.__args__  # type: ignore[attr-defined]
MEETING_OUTCOMES: tuple[str, ...] = MeetingOutcome.__args__  # type: ignore[attr-defined]


class Meeting(SQLModel, table=True):
    __tablename__ = "meetings"
    __table_args__ = (
        one_of("kind", MEETING_KINDS),
        one_of("status", MEETING_STATUSES),
        one_of("outcome", MEETING_OUTCOMES),
    )

    id: str = Field(primary_key=True, max_length=80)
    kind: str = Field(max_length=40, index=True)
    number: int | None = None
    name: str
    status: str = Field(max_length=20)
    outcome: str | None = Field(default=None, max_length=20)
    place: str | None = Field(default=None, max_length=80)
    host_id: str | None = Field(default=None, foreign_key="states.id", index=True, max_length=2)
    date: str = Field(max_length=10)
    date_first_day: dt.date = Field(sa_column=Column(Date, nullable=False))
    end_date: str | None = Field(default=None, max_length=10)
    outcomes: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class MeetingCreate(CitedInput):
    id: Slug
    kind: MeetingKind
    number: int | None = PydanticField(default=None, ge=1)
    name: str = PydanticField(min_length=3)
    status: MeetingStatus
    outcome: MeetingOutcome | None = PydanticField(
        default=None,
        description="For a meeting not (known to be) held: what became of it. `unconfirmed` "
        "when its date has passed and no source read confirms that it took place.",
    )
    place: str | None = None
    host: str | None = PydanticField(default=None, pattern=r"^[A-Z]{2}$")
    date: PartialDate
    end_date: PartialDate | None = None
    outcomes: str | None = None


class MeetingPublic(BaseModel):
    id: str = PydanticField(examples=["summit-6"])
    kind: str = PydanticField(examples=["summit"])
    number: int | None = PydanticField(description="Ordinal within its kind.", examples=[6])
    name: str = PydanticField(examples=["Sixth CICA Summit"])
    status: str = PydanticField(
        description="`held`; `scheduled` (a date is set) or `planned` (announced, no date "
        "set) for a meeting not known to have been held.",
        examples=["held"],
    )
    outcome: str | None = PydanticField(
        description="For a scheduled or planned meeting: `unconfirmed` when its date has "
        "passed and no source confirms it was held; `postponed`, `cancelled` when a source "
        "says so; null otherwise.",
        examples=["unconfirmed"],
    )
    place: str | None = PydanticField(examples=["Astana"])
    host: str | None = PydanticField(description="ISO alpha-2 of the host state.", examples=["KZ"])
    date: str = PydanticField(description="(First) day, at the precision a source gives.")
    end_date: str | None = PydanticField(description="Last day of a meeting of several days.")
    outcomes: str | None
    bodies_established: list[str] = PydanticField(description="Ids of councils it established.")
    bodies_proposed: list[str] = PydanticField(description="Ids of councils proposed there.")
    sources: list[CitationPublic]
    derivations: list[DerivationPublic] = PydanticField(description=DERIVATIONS_DESCRIPTION)
    disputed: list[DisputedClaimPublic] = PydanticField(
        default_factory=list, description=DISPUTED_DESCRIPTION
    )
    reviewed: Reviewed
    last_attested: LastAttested
    needs_review: NeedsReview
    review_reasons: ReviewReasons
    updated_at: UtcDateTime
