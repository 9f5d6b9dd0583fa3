"""Citations: which source says what about which record, with a verbatim quote."""

import datetime as dt

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import StrictInput, utc_now


class Citation(SQLModel, table=True):
    __tablename__ = "citations"
    __table_args__ = (
        UniqueConstraint("record_type", "record_id", "position", name="uq_citations_record"),
        Index("ix_citations_record", "record_type", "record_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    record_type: str = Field(max_length=40)
    record_id: str = Field(max_length=80)
    position: int
    source_id: str = Field(foreign_key="sources.id", index=True, max_length=80)
    quote: str = Field(sa_column=Column(Text, nullable=False))
    supports: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class CitationCreate(StrictInput):
    source_id: str = PydanticField(min_length=1)
    quote: str = PydanticField(min_length=8, max_length=600)
    supports: list[str] = PydanticField(default_factory=list)


class CitationPublic(BaseModel):
    source_id: str = PydanticField(
        description="Id of the source; details at `/v1/sources/{source_id}`.",
        examples=["astana-times-2024-12"],
    )
    quote: str = PydanticField(description="A short verbatim quote from the source.")
    supports: list[str] = PydanticField(
        description="The fields of this record the quote supports.", examples=[["joined", "status"]]
    )


DISPUTED_DESCRIPTION = (
    "Values other sources give for fields of this record, each with its citations; the "
    "record's own field holds the value the API treats as current. See `/v1/conflicts`."
)


class DisputedClaimPublic(BaseModel):
    field: str = PydanticField(description="The field the claim is about.", examples=["joined"])
    value: str = PydanticField(description="The competing value.", examples=["2006"])
    conflict_id: str = PydanticField(
        description="Details at `/v1/conflicts/{conflict_id}`.", examples=["thailand-accession"]
    )
    sources: list[CitationPublic]
