"""Liveness and readiness probes, and the Prometheus metrics."""

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from app.core.errors import NotFound, error_responses, problem_response
from app.core.formats import render_json
from app.core.metrics import MetricsExport
from app.core.read_model import DatabaseTimeout, Maintainer, ReadModel, schema_is_current
from app.core.request_headers import request_headers

logger = logging.getLogger("app.dataset")
router = APIRouter(tags=["operations"])
NO_STORE = {"Cache-Control": "no-store"}
# What a 503 from /readyz says: words a client may see. The driver's message (host, port,
# database, role) goes to the log only.
STARTING = "The dataset is not loaded yet: the server is starting."
NOT_LOADED = "The dataset is not loaded yet: the database cannot be read (see the server log)."
NOT_ANSWERING = "The database is not answering in time."
UNREACHABLE = "The database is unreachable."
SCHEMA_BEHIND = "The database schema is not at this release's revision: run `cica-api migrate`."
READINESS_PROBLEMS = frozenset({STARTING, NOT_LOADED, NOT_ANSWERING, UNREACHABLE, SCHEMA_BEHIND})


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class SnapshotInfo(BaseModel):
    dataset_version: int = Field(examples=[3])
    records: int = Field(description="Records in the snapshot, all collections.", examples=[240])
    build_ms: float = Field(description="How long building it took.", examples=[42.0])
    day: str = Field(description="The day date-dependent fields were computed for.")


class Readiness(BaseModel):
    status: str = Field(examples=["ready"])
    revision: str = Field(description="The database's migration revision (the head).")
    snapshot: SnapshotInfo


@router.get("/healthz", operation_id="getHealth", summary="Liveness probe", response_model=Health)
async def healthz() -> Response:
    """The process is alive and its event loop answers. Touches neither the database nor a
    worker thread, so it stays fast under load and while the database is away."""
    return Response(b'{"status":"ok"}', media_type="application/json", headers=NO_STORE)


@router.get(
    "/readyz",
    operation_id="getReadiness",
    summary="Readiness probe",
    response_model=Readiness,
    responses=error_responses(503),
)
async def readyz(request: Request) -> Response:
    """Ready: a snapshot is loaded, and the database answers within `CICA_DB_TIMEOUT` with
    its schema at the migration head. While the database is away this is 503, yet reads go
    on from the last snapshot (see docs/operations.md)."""
    read_model: ReadModel = request.app.state.read_model
    maintainer: Maintainer = request.app.state.maintainer
    snapshot = read_model.current
    if snapshot is None:
        return _unready(request, NOT_LOADED if read_model.last_error else STARTING)
    try:
        revision = await maintainer.probe()
    except DatabaseTimeout:
        logger.warning("readiness: the database did not answer in time")
        return _unready(request, NOT_ANSWERING)
    except Exception as exc:  # any driver error: the database is unreachable or failing
        logger.warning("readiness: the database is unreachable: %s: %s", type(exc).__name__, exc)
        return _unready(request, UNREACHABLE)
    if not schema_is_current(revision):
        logger.warning("readiness: the database schema is at revision %s", revision)
        return _unready(request, SCHEMA_BEHIND)
    body = Readiness(
        status="ready",
        revision=revision or "",
        snapshot=SnapshotInfo(
            dataset_version=snapshot.version,
            records=snapshot.records,
            build_ms=round(snapshot.build_seconds * 1000, 1),
            day=snapshot.day.isoformat(),
        ),
    )
    return Response(render_json(body.model_dump()), media_type="application/json", headers=NO_STORE)


def _unready(request: Request, detail: str) -> JSONResponse:
    return problem_response(
        request, 503, detail, slug="not-ready", headers={**NO_STORE, "Retry-After": "1"}
    )


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus metrics of this process (see docs/operations.md for every metric): only
    with `CICA_METRICS_ON_API_PORT`; else a 404, as they are on a port of their own."""
    export: MetricsExport | None = request.app.state.metrics
    if export is None or not export.on_api_port:
        raise NotFound("Metrics are not served on this port.")
    body, content_type = export.render(request_headers(request.scope).accept)
    return Response(body, headers={**NO_STORE, "Content-Type": content_type})
