"""API keys: who may write, and which partners are named and get a larger rate limit.

Only a keyed hash of each key's secret is stored (`app.core.api_keys`); the key itself is
shown once, when it is made, and cannot be read back. Keys are not part of the dataset:
they never enter the snapshot, the exports or the change feed.
"""

import datetime as dt
from typing import Literal

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from app.models.base import one_of, utc_now

KeyScope = Literal["write", "partner"]
KEY_SCOPES: tuple[str, ...] = KeyScope.__args__  # type: ignore[attr-defined]


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"
    __table_args__ = (one_of("scope", KEY_SCOPES),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    public_id: str = Field(max_length=16, unique=True)
    scope: str = Field(max_length=10)
    secret_hash: str = Field(max_length=64)
    created_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    expires_at: dt.datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    revoked_at: dt.datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
