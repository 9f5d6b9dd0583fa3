"""Conflicts: facts on which sources disagree, every claim kept with its citations."""

import datetime as dt

from pydantic import BaseModel, field_validator
from pydantic import Field as PydanticField
from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import Slug, StrictInput, UtcDateTime, utc_now
from app.models.citation import CitationCreate, CitationPublic
from app.models.freshness import LastAttested, NeedsReview, ReviewReasons
from app.models.review import Reviewed

CLAIM_RECORD_TYPE = "conflict-claim"
"""What the citations of a claim are keyed by (with `<conflict id>/<position>`)."""


class Conflict(SQLModel, table=True):
    __tablename__ = "conflicts"

    id: str = Field(primary_key=True, max_length=80)
    subject: str
    record_type: str | None = Field(default=None, max_length=40)
    record_id: str | None = Field(default=None, max_length=80)
    field: str = Field(max_length=40)
    note: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ConflictClaim(SQLModel, table=True):
    __tablename__ = "conflict_claims"
    __table_args__ = (
        UniqueConstraint("conflict_id", "position", name="uq_conflict_claims_position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conflict_id: str = Field(foreign_key="conflicts.id", index=True, max_length=80)
    position: int
    value: str = Field(sa_column=Column(Text, nullable=False))
    current: bool = False
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ClaimCreate(StrictInput):
    value: str = PydanticField(min_length=1)
    current: bool = False
    sources: list[CitationCreate] = PydanticField(min_length=1)


class RecordRef(StrictInput):
    collection: str = PydanticField(description="`members`, `meetings`, ... as in the URL.")
    id: str


class ConflictCreate(StrictInput):
    id: Slug
    subject: str = PydanticField(min_length=3)
    record: RecordRef | None = None
    field: str
    note: str | None = None
    claims: list[ClaimCreate] = PydanticField(min_length=2)
    reviewed: dt.date = PydanticField(description="When a maintainer last checked the claims.")

    @field_validator("claims")
    @classmethod
    def _one_current(cls, claims: list[ClaimCreate]) -> list[ClaimCreate]:
        if sum(c.current for c in claims) != 1:
            raise ValueError("exactly one claim is the current value (`current = true`)")
        return claims


class ClaimPublic(BaseModel):
    value: str = PydanticField(examples=["2023-09-21"])
    current: bool = PydanticField(description="The value the API treats as current.")
    sources: list[CitationPublic]


class ConflictPublic(BaseModel):
    id: str = PydanticField(examples=["roadmap-approval-date"])
    subject: str = PydanticField(examples=["Date of the meeting that approved the Roadmap"])
    collection: str | None = PydanticField(
        description="Collection of the record concerned, if one; absent for facts about CICA.",
        examples=["meetings"],
    )
    record_id: str | None = PydanticField(examples=["informal-ministerial-2023"])
    field: str = PydanticField(examples=["date"])
    note: str | None
    claims: list[ClaimPublic]
    reviewed: Reviewed
    last_attested: LastAttested
    needs_review: NeedsReview
    review_reasons: ReviewReasons
    updated_at: UtcDateTime
