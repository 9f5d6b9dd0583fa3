"""Record histories: a revision for every change a changeset made to a record, with who
made it, when, why, and each changed field's value before and after.

A revision table of its own, rather than columns on the change feed (`changes`):

* the feed announces a record when its *rows* changed; a revision is kept whenever its
  *value* changed, so the history is complete even where the feed is silent;
* the feed is read in id order by every follower, revisions per record: each has its own
  index, and feed pages stay small (a feed entry links to its revision instead of
  carrying the values);
* revisions are numbered per record (`/v1/members/KZ/revisions/3`), which a feed id is not.

Revisions outlive their record: a deleted record's history still answers.

`SeedState` keeps, per record, the value the last seed run read from the data files: the
base a seed compares the files and the database against, to tell an API edit since the
last seed from a change in a file (`app.writes.merge`).
"""

import datetime as dt
from typing import Any

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import UtcDateTime, one_of
from app.models.change import CHANGE_ACTIONS


class Revision(SQLModel, table=True):
    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("collection", "record_id", "number", name="uq_revisions_record_number"),
        Index("ix_revisions_record", "collection", "record_id", "id"),
        one_of("action", CHANGE_ACTIONS),
    )

    id: int | None = Field(default=None, primary_key=True)
    collection: str = Field(max_length=40)
    record_id: str = Field(max_length=80)
    number: int
    """The record's own count: 1 for its first revision."""
    version: int
    """The dataset version after the changeset (unchanged if no row changed)."""
    changed_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    author: str = Field(max_length=80)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    request_id: str | None = Field(default=None, max_length=200)
    action: str = Field(max_length=10)
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    """The changed fields' values before (null: the record did not exist)."""
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    """The changed fields' values after (null: the record was deleted)."""


class SeedState(SQLModel, table=True):
    """A record as the last seed run read it from its data file."""

    __tablename__ = "seed_states"

    collection: str = Field(primary_key=True, max_length=40)
    record_id: str = Field(primary_key=True, max_length=80)
    value: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class FieldChange(BaseModel):
    field: str = PydanticField(
        description="The field, as the record's data file writes it.", examples=["history"]
    )
    before: Any = PydanticField(
        description="Its value before (null: not given, or the record did not exist).",
        examples=[None],
    )
    after: Any = PydanticField(
        description="Its value after (null: removed, or the record was deleted).",
        examples=[[{"status": "member", "from": "1992"}]],
    )


class RevisionPublic(BaseModel):
    number: int = PydanticField(
        description="The record's revision number: 1 is its first, each change adds one.",
        examples=[3],
    )
    collection: str = PydanticField(examples=["members"])
    record_id: str = PydanticField(examples=["KZ"])
    path: str = PydanticField(
        description="Where this revision is read.", examples=["/v1/members/KZ/revisions/3"]
    )
    action: str = PydanticField(
        description="`created`, `updated` or `deleted`.", examples=["updated"]
    )
    author: str = PydanticField(
        description="Who made the change: the name of the API key that wrote it, or `seed` "
        "for a seed run from the data files.",
        examples=["seed"],
    )
    summary: str = PydanticField(
        description="Why, in the author's words.", examples=["seed from seed/"]
    )
    request_id: str | None = PydanticField(
        default=None,
        description="The `X-Request-ID` of the write that made it (none for a seed run).",
        examples=[None],
    )
    version: int = PydanticField(
        description="The dataset version the change produced.", examples=[4]
    )
    updated_at: UtcDateTime = PydanticField(description="When the change was made (UTC).")
    changes: list[FieldChange] = PydanticField(
        description="Each changed field, with its value before and after."
    )
