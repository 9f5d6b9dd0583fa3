"""The CBM Catalogue: dimensions, their priority areas and the states coordinating them."""

import datetime as dt

from pydantic import BaseModel, model_validator
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel

from app.models.base import PartialDate, Slug, UtcDateTime, utc_now
from app.models.citation import DISPUTED_DESCRIPTION, CitationPublic, DisputedClaimPublic
from app.models.derivation import DERIVATIONS_DESCRIPTION, DerivationPublic
from app.models.freshness import LastAttested, NeedsReview, ReviewReasons
from app.models.inputs import NamedInput
from app.models.review import Reviewed


class CbmDimension(SQLModel, table=True):
    __tablename__ = "cbm_dimensions"

    id: str = Field(primary_key=True, max_length=80)
    position: int = Field(unique=True)
    names: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class CbmArea(SQLModel, table=True):
    __tablename__ = "cbm_areas"

    id: str = Field(primary_key=True, max_length=80)
    dimension_id: str = Field(foreign_key="cbm_dimensions.id", index=True, max_length=80)
    position: int
    names: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    coordinators: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    co_coordinators: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    added: str | None = Field(default=None, max_length=10)
    part_of: str | None = Field(default=None, max_length=80)
    coordinators_since: str | None = Field(default=None, max_length=10)
    coordinators_until: str | None = Field(default=None, max_length=10)
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class CbmAreaCreate(NamedInput):
    id: Slug
    coordinators: list[str] = PydanticField(default_factory=list)
    co_coordinators: list[str] = PydanticField(default_factory=list)
    added: PartialDate | None = None
    part_of: Slug | None = PydanticField(
        default=None,
        description="Id of the priority area this topic was incorporated into; such a topic "
        "is not counted as a priority area of its own.",
    )
    coordinators_since: PartialDate | None = PydanticField(
        default=None, description="Start of the coordinators' term, where a source gives it."
    )
    coordinators_until: PartialDate | None = PydanticField(
        default=None, description="Expected end of the coordinators' term, where a source gives it."
    )
    reviewed: dt.date | None = PydanticField(  # type: ignore[assignment]
        default=None, description="Reviewed with its dimension (the dimension's `reviewed`)."
    )


class CbmDimensionCreate(NamedInput):
    id: Slug
    position: int = PydanticField(ge=1)
    areas: list[CbmAreaCreate] = PydanticField(min_length=1)

    @model_validator(mode="after")
    def _topics_belong_to_an_area_here(self) -> "CbmDimensionCreate":
        counted = {area.id for area in self.areas if area.part_of is None}
        for area in self.areas:
            if area.part_of is not None and area.part_of not in counted:
                raise ValueError(
                    f"area {area.id}: `part_of` must name a priority area of this dimension"
                )
        return self


class CbmAreaPublic(BaseModel):
    id: str = PydanticField(examples=["transport-corridors"])
    name: str
    coordinators: list[str] = PydanticField(
        description="ISO alpha-2 codes of the coordinating states, where a source names them.",
        examples=[["AZ"]],
    )
    co_coordinators: list[str] = PydanticField(examples=[["CN", "IN"]])
    added: str | None = PydanticField(description="When it joined the Catalogue, if sourced.")
    part_of: str | None = PydanticField(
        description="For a topic incorporated into another priority area (not counted as an "
        "area of its own): that area's id.",
        examples=["human-dimension"],
    )
    coordinators_since: str | None = PydanticField(
        description="Start of the coordinators' term, where a source gives it.", examples=["2024"]
    )
    coordinators_until: str | None = PydanticField(
        description="Expected end of the coordinators' term, where a source gives it.",
        examples=["2025"],
    )
    sources: list[CitationPublic]
    derivations: list[DerivationPublic] = PydanticField(description=DERIVATIONS_DESCRIPTION)
    last_attested: LastAttested


class CbmDimensionPublic(BaseModel):
    id: str = PydanticField(examples=["economic"])
    position: int
    name: str = PydanticField(examples=["Economic dimension"])
    names: dict[str, str]
    priority_areas: list[CbmAreaPublic]
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
