"""Chairmanships: which member state chaired CICA, and for which term."""

import datetime as dt

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, Date, DateTime
from sqlmodel import Field, SQLModel

from app.models.base import PartialDate, Slug, UtcDateTime, utc_now
from app.models.citation import DISPUTED_DESCRIPTION, CitationPublic, DisputedClaimPublic
from app.models.derivation import DERIVATIONS_DESCRIPTION, DerivationPublic
from app.models.freshness import LastAttested, NeedsReview, ReviewReasons
from app.models.inputs import CitedInput
from app.models.review import Reviewed


class Chairmanship(SQLModel, table=True):
    __tablename__ = "chairmanships"

    id: str = Field(primary_key=True, max_length=80)
    state_id: str = Field(foreign_key="states.id", index=True, max_length=2)
    term_start: str = Field(max_length=10)
    term_start_date: dt.date = Field(sa_column=Column(Date, nullable=False))
    term_end: str | None = Field(default=None, max_length=10)
    motto: dict[str, str] | None = Field(default=None, sa_column=Column(JSON))
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ChairmanshipCreate(CitedInput):
    id: Slug
    state: str = PydanticField(pattern=r"^[A-Z]{2}$", description="ISO alpha-2 of the chair.")
    term_start: PartialDate
    term_end: PartialDate | None = None
    motto: dict[str, str] | None = PydanticField(
        default=None, description="The chairmanship's motto by language, as a source words it."
    )


class ChairmanshipPublic(BaseModel):
    id: str = PydanticField(examples=["azerbaijan-2024"])
    state: str = PydanticField(description="ISO alpha-2 of the chair.", examples=["AZ"])
    state_name: str = PydanticField(examples=["Azerbaijan"])
    term_start: str = PydanticField(examples=["2024-12-17"])
    term_end: str | None = PydanticField(
        description="End of the term as the sources give it; for the current chair, its planned end.",
        examples=["2026"],
    )
    current: bool = PydanticField(description="The chair today.")
    motto: dict[str, str] | None = PydanticField(
        description="The chairmanship's motto by language, where a source gives it."
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
