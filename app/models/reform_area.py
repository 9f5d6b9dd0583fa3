"""The reform areas of the Roadmap for CICA Transformation (2023)."""

import datetime as dt
from typing import Literal

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, DateTime, Text
from sqlmodel import Field, SQLModel

from app.models.base import PartialDate, Slug, UtcDateTime, one_of, utc_now
from app.models.citation import DISPUTED_DESCRIPTION, CitationPublic, DisputedClaimPublic
from app.models.derivation import DERIVATIONS_DESCRIPTION, DerivationPublic
from app.models.freshness import LastAttested, NeedsReview, ReviewReasons
from app.models.inputs import NamedInput
from app.models.review import Reviewed

ReformStatus = Literal["completed", "in-progress", "not-reported"]
REFORM_STATUSES: tuple[str, ...] = ReformStatus.__args__  # type: ignore[attr-defined]


class ReformArea(SQLModel, table=True):
    __tablename__ = "reform_areas"
    __table_args__ = (one_of("status", REFORM_STATUSES),)

    id: str = Field(primary_key=True, max_length=80)
    position: int = Field(unique=True)
    names: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(max_length=20)
    progress: str | None = Field(default=None, sa_column=Column(Text))
    expected: str | None = Field(default=None, max_length=10)
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ReformAreaCreate(NamedInput):
    id: Slug
    position: int = PydanticField(ge=1, le=8)
    status: ReformStatus
    progress: str | None = None
    expected: PartialDate | None = PydanticField(
        default=None, description="When the sources expected the area to be completed."
    )


class ReformAreaPublic(BaseModel):
    id: str = PydanticField(examples=["charter"])
    position: int = PydanticField(description="Order in the Roadmap (1-8).", examples=[1])
    name: str = PydanticField(examples=["Charter of the organization"])
    names: dict[str, str]
    aliases: list[str]
    status: str = PydanticField(
        description="`completed`, `in-progress` or `not-reported` (no source reports progress).",
        examples=["in-progress"],
    )
    progress: str | None = PydanticField(description="What the sources report of its progress.")
    expected: str | None = PydanticField(
        description="When the sources expected it to be completed; once that date has passed "
        "and no source reports completion, the record `needs_review`.",
        examples=["2026-10"],
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
