"""Partner organizations: international organizations CICA cooperates with."""

import datetime as dt
from typing import Literal

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import Column, Date, DateTime, Text
from sqlmodel import Field, SQLModel

from app.models.base import PartialDate, Slug, UtcDateTime, one_of, utc_now
from app.models.citation import DISPUTED_DESCRIPTION, CitationPublic, DisputedClaimPublic
from app.models.inputs import NamedInput
from app.models.review import Reviewed

Relationship = Literal["memorandum-of-understanding", "agreement", "cooperation"]
PartnershipStatus = Literal["active", "in-preparation"]
RELATIONSHIPS: tuple[str, ...] = Relationship.__args__  # type: ignore[attr-defined]
PARTNERSHIP_STATUSES: tuple[str, ...] = PartnershipStatus.__args__  # type: ignore[attr-defined]


class Partnership(SQLModel, table=True):
    __tablename__ = "partnerships"
    __table_args__ = (
        one_of("relationship", RELATIONSHIPS),
        one_of("status", PARTNERSHIP_STATUSES),
    )

    organization_id: str = Field(primary_key=True, foreign_key="organizations.id", max_length=80)
    relationship: str = Field(max_length=40)
    status: str = Field(max_length=20)
    since: str | None = Field(default=None, max_length=10)
    since_date: dt.date | None = Field(default=None, sa_column=Column(Date))
    document: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class PartnerOrganizationCreate(NamedInput):
    id: Slug
    relationship: Relationship
    status: PartnershipStatus
    since: PartialDate | None = None
    document: str | None = None


class PartnerOrganizationPublic(BaseModel):
    id: str = PydanticField(examples=["sco"])
    name: str = PydanticField(examples=["Shanghai Cooperation Organisation"])
    names: dict[str, str]
    acronym: str | None = PydanticField(examples=["SCO"])
    aliases: list[str]
    relationship: str = PydanticField(
        description="`memorandum-of-understanding`, `agreement` or `cooperation` (no signed document sourced).",
        examples=["cooperation"],
    )
    status: str = PydanticField(description="`active` or `in-preparation`.", examples=["active"])
    since: str | None = PydanticField(description="When the relationship began or was signed.")
    document: str | None = PydanticField(description="The document that governs it, if sourced.")
    sources: list[CitationPublic]
    disputed: list[DisputedClaimPublic] = PydanticField(
        default_factory=list, description=DISPUTED_DESCRIPTION
    )
    reviewed: Reviewed
    updated_at: UtcDateTime
