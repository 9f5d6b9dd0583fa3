"""The reform areas of the Roadmap for CICA Transformation (2023)."""

import datetime as dt
from typing import Literal

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, DateTime, Text
from sqlmodel import Field, SQLModel

from app.models.base import Slug, UtcDateTime, one_of, utc_now
from app.models.citation import DISPUTED_DESCRIPTION, CitationPublic, DisputedClaimPublic
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
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ReformAreaCreate(NamedInput):
    id: Slug
    position: int = PydanticField(ge=1, le=8)
    status: ReformStatus
    progress: str | None = None


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
    sources: list[CitationPublic]
    disputed: list[DisputedClaimPublic] = PydanticField(
        default_factory=list, description=DISPUTED_DESCRIPTION
    )
    reviewed: Reviewed
    updated_at: UtcDateTime
