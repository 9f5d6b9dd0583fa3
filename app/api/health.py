"""Liveness and readiness probes."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from app.api.deps import EngineDep
from app.core.errors import error_responses, problem_response
from app.core.migrations import current_revision, head_revision

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    status: str = Field(examples=["ready"])
    revision: str = Field(description="The database's migration revision (the head).")


@router.get("/healthz", operation_id="getHealth", response_model=Health)
def healthz() -> Health:
    """The process is alive. Touches nothing else, so it stays cheap for load balancers."""
    return Health(status="ok")


@router.get(
    "/readyz",
    operation_id="getReadiness",
    response_model=Readiness,
    responses=error_responses(503),
)
def readyz(request: Request, engine: EngineDep) -> Readiness | JSONResponse:
    """Ready to serve: the database answers and its schema is at the migration head."""
    try:
        revision = current_revision(engine)
    except SQLAlchemyError:
        return problem_response(request, 503, "The database is not reachable.")
    head = head_revision()
    if revision != head:
        return problem_response(
            request, 503, f"The database schema is at {revision or 'no revision'}, not at {head}."
        )
    return Readiness(status="ready", revision=revision or "")
