"""Dependencies shared by the routers."""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine


def get_engine(request: Request) -> Engine:
    """The engine lives in application state (set by the lifespan), so tests can swap it."""
    return request.app.state.engine  # type: ignore[no-any-return]


EngineDep = Annotated[Engine, Depends(get_engine)]

DATASET_VERSION_HEADER = "X-Dataset-Version"
