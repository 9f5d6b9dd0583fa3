"""An app of a test's own on a shared, seeded database, with settings of the test's choosing."""

from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine

from app.core.config import Settings
from app.main import create_app


def app_on(engine: Engine, **settings: Any) -> FastAPI:
    """No version poller runs SQL beside other tests: the shared data never changes."""
    return create_app(
        Settings(
            database_url=str(engine.url),
            public_url="http://api.test",
            version_poll_seconds=3600,
            **settings,
        ),
        engine=engine,
    )
