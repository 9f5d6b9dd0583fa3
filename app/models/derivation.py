"""Derivations: facts that follow from other facts (a count, a membership by elimination,
a nationality by rule, "current" by date) rather than from a quote.

A curated derivation is written beside a record's citations in its data file: the fields
it gives, the rule in words and the premises it rests on (other records' fields, or quotes
from sources). Computed derivations (counts, `current`) are produced by the services on
the snapshot's day and shown the same way, marked `computed`.
"""

import datetime as dt

from pydantic import BaseModel, model_validator
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import StrictInput, utc_now

RECORD_REF = r"^[a-z]+(?:-[a-z]+)*/[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$"


class Derivation(SQLModel, table=True):
    __tablename__ = "derivations"
    __table_args__ = (
        UniqueConstraint("record_type", "record_id", "position", name="uq_derivations_record"),
        Index("ix_derivations_record", "record_type", "record_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    record_type: str = Field(max_length=40)
    record_id: str = Field(max_length=80)
    position: int
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    rule: str = Field(sa_column=Column(Text, nullable=False))
    premises: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class PremiseCreate(StrictInput):
    """One fact a derivation rests on: a record's field, or a quote from a source."""

    record: str | None = PydanticField(
        default=None,
        pattern=RECORD_REF,
        description="`collection/id` of the record whose field is a premise, e.g. `members/MN`.",
    )
    field: str | None = PydanticField(
        default=None, description="The field of that record the rule uses, e.g. `joined`."
    )
    source_id: str | None = PydanticField(default=None, min_length=1)
    quote: str | None = PydanticField(default=None, min_length=8, max_length=600)

    @model_validator(mode="after")
    def _a_record_or_a_quote(self) -> "PremiseCreate":
        if (self.record is None) == (self.source_id is None):
            raise ValueError("a premise is a record (`record`) or a source (`source_id`), not both")
        if self.source_id is not None and (self.quote is None or self.field is not None):
            raise ValueError("a source premise gives the `quote` it rests on, and no `field`")
        if self.record is not None and self.quote is not None:
            raise ValueError("a record premise names a `field`, not a `quote`")
        return self

    def as_row(self) -> dict[str, str]:
        return {key: value for key, value in self.model_dump().items() if value is not None}


class DerivationCreate(StrictInput):
    fields: list[str] = PydanticField(min_length=1, description="The fields the rule gives.")
    rule: str = PydanticField(min_length=10, description="The rule in words.")
    premises: list[PremiseCreate] = PydanticField(min_length=1)


class PremisePublic(BaseModel):
    collection: str | None = PydanticField(
        default=None, description="Collection of a record premise.", examples=["members"]
    )
    record_id: str | None = PydanticField(
        default=None,
        description="Id of that record (`/v1/{collection}/{record_id}`).",
        examples=["MN"],
    )
    field: str | None = PydanticField(
        default=None, description="The field of that record the rule uses.", examples=["joined"]
    )
    source_id: str | None = PydanticField(
        default=None, description="A source premise: `/v1/sources/{source_id}`."
    )
    quote: str | None = PydanticField(default=None, description="The quote it rests on.")

    @classmethod
    def of(cls, row: dict[str, str]) -> "PremisePublic":
        collection, _, record_id = (row.get("record") or "").partition("/")
        return cls(
            collection=collection or None,
            record_id=record_id or None,
            field=row.get("field"),
            source_id=row.get("source_id"),
            quote=row.get("quote"),
        )


class DerivationPublic(BaseModel):
    fields: list[str] = PydanticField(
        description="The fields of this record the rule gives.", examples=[["founding_member"]]
    )
    rule: str = PydanticField(description="The rule, in words.")
    premises: list[PremisePublic] = PydanticField(
        description="The records' fields and the quotes the rule rests on."
    )
    computed: bool = PydanticField(
        description="True when the API computes it on the snapshot's day (a count, `current` "
        "by date); false when a curator wrote it in the data files."
    )


DERIVATIONS_DESCRIPTION = (
    "Facts of this record that follow from other facts rather than from a quote: the rule "
    "in words and the records or quotes it rests on. A field named here may also be cited "
    "in `sources` for part of what it says."
)
