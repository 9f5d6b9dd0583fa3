"""CICA's councils and other bodies: policy-making, working, executive and advisory."""

import datetime as dt
from typing import Literal

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, Date, DateTime, Text
from sqlmodel import Field, SQLModel

from app.models.base import PartialDate, Slug, UtcDateTime, one_of, utc_now
from app.models.citation import DISPUTED_DESCRIPTION, CitationPublic, DisputedClaimPublic
from app.models.derivation import DERIVATIONS_DESCRIPTION, DerivationPublic
from app.models.freshness import LastAttested, NeedsReview, ReviewReasons
from app.models.inputs import NamedInput
from app.models.review import Reviewed

CouncilKind = Literal[
    "summit-council",
    "ministerial-council",
    "committee",
    "working-group",
    "secretariat",
    "post",
    "advisory-council",
    "fund",
    "forum",
    "network",
    "platform",
    "working-format",
]
CouncilStatus = Literal["established", "proposed", "planned"]
COUNCIL_KINDS: tuple[str, ...] = CouncilKind.__args__  # type: ignore[attr-defined]
COUNCIL_STATUSES: tuple[str, ...] = CouncilStatus.__args__  # type: ignore[attr-defined]


class Council(SQLModel, table=True):
    __tablename__ = "councils"
    __table_args__ = (
        one_of("kind", COUNCIL_KINDS),
        one_of("status", COUNCIL_STATUSES),
    )

    id: str = Field(primary_key=True, max_length=80)
    names: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    acronym: str | None = Field(default=None, max_length=40)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    kind: str = Field(max_length=40, index=True)
    status: str = Field(max_length=20, index=True)
    established: str | None = Field(default=None, max_length=10)
    established_date: dt.date | None = Field(default=None, sa_column=Column(Date))
    proposed: str | None = Field(default=None, max_length=10)
    proposed_by: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    seat: str | None = Field(default=None, max_length=80)
    description: str | None = Field(default=None, sa_column=Column(Text))
    established_at: str | None = Field(default=None, foreign_key="meetings.id", max_length=80)
    proposed_at: str | None = Field(default=None, foreign_key="meetings.id", max_length=80)
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class CouncilCreate(NamedInput):
    id: Slug
    kind: CouncilKind
    status: CouncilStatus
    established: PartialDate | None = None
    proposed: PartialDate | None = None
    proposed_by: list[str] = PydanticField(
        default_factory=list, description="ISO alpha-2 codes of the states that proposed it."
    )
    seat: str | None = None
    description: str | None = None
    established_at: Slug | None = PydanticField(
        default=None, description="Id of the meeting that established it."
    )
    proposed_at: Slug | None = PydanticField(
        default=None, description="Id of the meeting where it was proposed."
    )


class CouncilPublic(BaseModel):
    id: str = PydanticField(examples=["youth-council"])
    name: str = PydanticField(examples=["CICA Youth Council"])
    names: dict[str, str]
    acronym: str | None = PydanticField(examples=["YCICA"])
    aliases: list[str]
    kind: str = PydanticField(examples=["advisory-council"])
    status: str = PydanticField(
        description="`established`, `proposed` or `planned`.", examples=["established"]
    )
    established: str | None = PydanticField(examples=["2022"])
    proposed: str | None
    proposed_by: list[str] = PydanticField(description="ISO alpha-2 codes of the proposing states.")
    seat: str | None = PydanticField(examples=["Astana"])
    description: str | None
    established_at: str | None = PydanticField(
        description="The meeting that established it (`/v1/meetings/{id}`).", examples=["summit-6"]
    )
    proposed_at: str | None = PydanticField(
        description="The meeting where it was proposed (`/v1/meetings/{id}`).",
        examples=["summit-1"],
    )
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
