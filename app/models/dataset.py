"""The dataset version: one row, bumped by every seed or write that changes something.

Caches and ETags key on it, so a single cheap read tells a replica whether its cached
responses are still current.
"""

import datetime as dt

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from app.models.base import utc_now


class DatasetVersion(SQLModel, table=True):
    __tablename__ = "dataset_version"

    id: int = Field(default=1, primary_key=True)
    version: int = 0
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
