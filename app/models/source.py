"""Source documents and public references that the dataset cites."""

import datetime as dt
from typing import Literal

from pydantic import AnyHttpUrl, BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from app.models.base import PartialDate, Slug, StrictInput, UtcDateTime, one_of, utc_now

SourceKind = Literal["seed-document", "web-page", "official-document", "news-article", "reference"]
SOURCE_KINDS: tuple[str, ...] = SourceKind.__args__  # type: ignore[attr-defined]


class Source(SQLModel, table=True):
    __tablename__ = "sources"
    __table_args__ = (one_of("kind", SOURCE_KINDS),)

    id: str = Field(primary_key=True, max_length=80)
    title: str
    publisher: str
    date: str | None = Field(default=None, max_length=10)
    kind: str = Field(max_length=20)
    url: str | None = None
    file: str | None = Field(default=None, description="File name in the source-documents folder.")
    sha256: str | None = Field(default=None, max_length=64)
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class SourceCreate(StrictInput):
    """A source as the seed manifest describes it."""

    id: Slug
    title: str = PydanticField(min_length=1)
    publisher: str = PydanticField(min_length=1)
    date: PartialDate | None = None
    kind: SourceKind
    url: AnyHttpUrl | None = None
    file: str | None = None
    sha256: str | None = PydanticField(default=None, pattern=r"^[0-9a-f]{64}$")


class SourcePublic(BaseModel):
    id: str = PydanticField(examples=["astana-times-2024-12"])
    title: str
    publisher: str
    date: str | None = PydanticField(description="Publication date, at the precision known.")
    kind: str = PydanticField(examples=["seed-document"])
    url: str | None = PydanticField(description="Where the source can be read, when it is public.")
    sha256: str | None = PydanticField(
        description="SHA-256 of the document text the quotes were checked against."
    )
    citations: int = PydanticField(description="How many citations in the dataset refer to it.")
    updated_at: UtcDateTime
