"""Partner organizations: international organizations CICA cooperates with."""

import datetime as dt
from typing import Literal

from pydantic import BaseModel, model_validator
from pydantic import Field as PydanticField
from sqlalchemy import Column, Date, DateTime, Text
from sqlmodel import Field, SQLModel

from app.models.base import PartialDate, Slug, UtcDateTime, one_of, utc_now
from app.models.citation import DISPUTED_DESCRIPTION, CitationPublic, DisputedClaimPublic
from app.models.derivation import DERIVATIONS_DESCRIPTION, DerivationPublic
from app.models.freshness import LastAttested, NeedsReview, ReviewReasons
from app.models.inputs import NamedInput
from app.models.review import Reviewed

Relationship = Literal["memorandum-of-understanding", "agreement", "cooperation"]
PartnershipStatus = Literal["active", "in-preparation", "ended"]
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
    attested_from: str | None = Field(default=None, max_length=10)
    attested_from_date: dt.date | None = Field(default=None, sa_column=Column(Date))
    until: str | None = Field(default=None, max_length=10)
    until_date: dt.date | None = Field(default=None, sa_column=Column(Date))
    document: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class PartnerOrganizationCreate(NamedInput):
    id: Slug
    relationship: Relationship
    status: PartnershipStatus
    since: PartialDate | None = None
    attested_from: PartialDate | None = PydanticField(
        default=None,
        description="When no source gives the start (`since`): the earliest date a source "
        "attests the partnership.",
    )
    until: PartialDate | None = PydanticField(
        default=None, description="For an ended partnership: the first day it no longer held."
    )
    document: str | None = None

    @model_validator(mode="after")
    def _dates_fit_the_status(self) -> "PartnerOrganizationCreate":
        if self.since is not None and self.attested_from is not None:
            raise ValueError(
                "give `since` (the start) or `attested_from` (start unknown), not both"
            )
        if (self.status == "ended") != (self.until is not None):
            raise ValueError("an `ended` partnership gives `until`; no other status does")
        start = self.since or self.attested_from
        if start and self.until and self.until < start[: len(self.until)]:
            raise ValueError("the partnership ends before it starts")
        return self


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
    status: str = PydanticField(
        description="`active`, `in-preparation`, or `ended` for a partnership that no longer "
        "holds (on the days `as_of` asks for, the status held that day).",
        examples=["active"],
    )
    since: str | None = PydanticField(description="When the relationship began or was signed.")
    attested_from: str | None = PydanticField(
        description="When no source gives the start (`since` is null): the earliest date a "
        "source attests the partnership; `as_of` counts it from here.",
        examples=["2024-03-01"],
    )
    until: str | None = PydanticField(
        description="For an ended partnership: the first day it no longer held.",
        examples=["2015-01-01"],
    )
    document: str | None = PydanticField(description="The document that governs it, if sourced.")
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
