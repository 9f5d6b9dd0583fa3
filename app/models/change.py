"""The change feed: what each seed run (later, each write) changed, record by record.

`Change` rows are appended in the same transaction as the changes they describe, with the
dataset version that transaction produced. `RecordState` keeps every curated record as its
create schema last wrote it, so the next changeset knows each record's value before it
(which fields changed, and which rows the record had).
"""

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, DateTime, Index
from sqlmodel import Field, SQLModel

from app.models.base import UtcDateTime, one_of, utc_now

ChangeAction = Literal["created", "updated", "deleted"]
CHANGE_ACTIONS: tuple[str, ...] = ChangeAction.__args__  # type: ignore[attr-defined]


class Change(SQLModel, table=True):
    __tablename__ = "changes"
    __table_args__ = (
        one_of("action", CHANGE_ACTIONS),
        # A page filtered by collection counts and reads its entries from the index.
        Index("ix_changes_collection_id", "collection", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(index=True)
    changed_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    collection: str = Field(max_length=40)
    record_id: str = Field(max_length=80)
    action: str = Field(max_length=10)
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    revision: int | None = None
    """The record's revision this change is (`revisions.number`); null before revisions
    were kept."""


class RecordState(SQLModel, table=True):
    """A curated record as its create schema last wrote it (JSON, field names as in the
    data files); `value` is null for a record stored before values were kept."""

    __tablename__ = "record_states"

    collection: str = Field(primary_key=True, max_length=40)
    record_id: str = Field(primary_key=True, max_length=80)
    value: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ChangePublic(BaseModel):
    id: int = PydanticField(
        description="Position in the feed: changes are numbered in the order they were made.",
        examples=[1],
    )
    version: int = PydanticField(
        description="The dataset version the change produced; follow the feed with "
        "`since=` the last version you hold.",
        examples=[2],
    )
    collection: str = PydanticField(
        description="The collection of the record (`members`, `meetings`, ... as in the URL).",
        examples=["members"],
    )
    record_id: str = PydanticField(examples=["KZ"])
    path: str = PydanticField(
        description="Where the record is read (gone, for a deleted record).",
        examples=["/v1/members/KZ"],
    )
    action: str = PydanticField(
        description="`created`, `updated` or `deleted`.", examples=["updated"]
    )
    fields: list[str] = PydanticField(
        description="The fields of the record (as its data file writes them) that changed; "
        "every field for a created or deleted record.",
        examples=[["history", "sources"]],
    )
    updated_at: UtcDateTime = PydanticField(description="When the change was made (UTC).")
    revision: int | None = PydanticField(
        default=None,
        description="The record's revision this change is: who made it, why, and each "
        "field's value before and after (absent for changes made before revisions were kept).",
        examples=[3],
        exclude_if=lambda v: v is None,
    )
    revision_path: str | None = PydanticField(
        default=None,
        description="Where that revision is read.",
        examples=["/v1/members/KZ/revisions/3"],
        exclude_if=lambda v: v is None,
    )
