"""What each process knows of the dataset version, kept fresh by one cheap poll.

Responses are cached per dataset version. Rather than ask the database on every request,
each process reads the one-row version table every `version_poll_seconds` (0.5 s by
default), so a seed or write made through any replica is honoured by all of them within
a second, while a cache hit touches no database at all.
"""

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import format_datetime

import anyio
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.models import DatasetVersion

logger = logging.getLogger("app.dataset")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass
class DatasetState:
    version: int = -1
    last_modified: dt.datetime = EPOCH
    last_modified_header: bytes = field(default=format_datetime(EPOCH, usegmt=True).encode())
    listeners: list[Callable[[int], None]] = field(default_factory=list)

    def refresh(self, engine: Engine) -> bool:
        """Read the version; True when it changed. A database error keeps what we knew."""
        try:
            with Session(engine) as session:
                row = session.get(DatasetVersion, 1)
        except SQLAlchemyError as exc:
            logger.warning("dataset version not read: %s", type(exc).__name__)
            return False
        version = row.version if row else 0
        if version == self.version:
            return False
        modified = row.updated_at if row else EPOCH
        if modified.tzinfo is None:  # SQLite returns naive datetimes
            modified = modified.replace(tzinfo=dt.UTC)
        modified = modified.astimezone(dt.UTC).replace(microsecond=0)
        self.version, self.last_modified = version, modified
        self.last_modified_header = format_datetime(self.last_modified, usegmt=True).encode()
        for listener in self.listeners:
            listener(version)
        return True

    async def poll(self, engine: Engine, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            await anyio.to_thread.run_sync(self.refresh, engine)
