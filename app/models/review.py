"""When a maintainer last checked each record against its sources.

One row per curated record (any collection), like citations: a record's `reviewed` is
seed data, written in its file (or the file's default), and shown on the record.
"""

import datetime as dt
from typing import Annotated

from pydantic import Field as PydanticField
from sqlalchemy import Column, Date, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import utc_now


class RecordReview(SQLModel, table=True):
    __tablename__ = "record_reviews"
    __table_args__ = (
        UniqueConstraint("record_type", "record_id", name="uq_record_reviews_record"),
    )

    id: int | None = Field(default=None, primary_key=True)
    record_type: str = Field(max_length=40)
    record_id: str = Field(max_length=80)
    reviewed: dt.date = Field(sa_column=Column(Date, nullable=False))
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


REVIEWED_DESCRIPTION = (
    "The day a maintainer last checked this record against its sources (YYYY-MM-DD). "
    "A status or date that could have changed since then is only known as of this day."
)
Reviewed = Annotated[
    dt.date, PydanticField(description=REVIEWED_DESCRIPTION, examples=["2026-12-01"])
]
