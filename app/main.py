"""Application factory: metadata, middleware, routers, error handlers, lifespan."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.types import ASGIApp, Receive, Scope, Send

from app import __version__
from app.api import assets, docs, health, landing
from app.api import v1 as api_v1
from app.api.fast_reads import FastReads
from app.api.openapi_document import finish
from app.api.representation import Site
from app.api.v1.exports import ExportStore
from app.api.v1.search import search_route
from app.core.cache import CachingMiddleware, ResponseCache
from app.core.config import Settings, get_settings
from app.core.db import build_engine
from app.core.edge import EdgeMiddleware
from app.core.errors import install_error_handlers
from app.core.guard import UnhandledErrorMiddleware
from app.core.http import HttpSemanticsMiddleware
from app.core.logging import AccessLog
from app.core.metrics import (
    CicaCollector,
    MetricsExport,
    RequestMetrics,
    RouteTemplates,
    build_registry,
)
from app.core.read_model import Maintainer, ReadModel
from app.registry import COLLECTIONS

DESCRIPTION = """
Reference data about the **Conference on Interaction and Confidence Building Measures in
Asia (CICA)**: member states, observers and applicants, partner organizations, councils and
other bodies, the reform areas of the Transformation Roadmap, chairmanships, meetings, the
CBM Catalogue, and the sources behind every fact.

Where sources disagree, a record's `disputed` lists the competing values with their
citations, and `/v1/conflicts` lists every disagreement.

Every record carries `sources`: citations with a short verbatim quote and the fields the
quote supports (`supports`), pointing to `/v1/sources/{source_id}`. Dates have the
precision the sources give (`1999`, `2022-10`, `2022-10-13`).

Lists answer `{"data", "meta", "links"}` with `limit` (1-200, default 50) and `offset`;
`links.next` and `links.prev` are absolute URLs. Unknown or repeated query parameters are
rejected (400). Errors are RFC 9457 `application/problem+json`. Every GET answers `HEAD`,
carries a strong `ETag` and `Last-Modified`, and answers `If-None-Match` and
`If-Modified-Since` with 304.
"""


def _tags() -> list[dict[str, str]]:
    collection_tags = [
        {"name": spec.docs.tag, "description": spec.docs.tag_description} for spec in COLLECTIONS
    ]
    return [
        *collection_tags,
        {"name": "search", "description": "One query across every collection, ranked."},
        {"name": "exports", "description": "Whole-dataset files with their SHA-256."},
        {"name": "operations", "description": "Health and readiness probes."},
    ]


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    read_model = ReadModel()
    build = __version__

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from seed.loader import load

        owned = engine is None
        app.state.engine = engine or build_engine(settings)
        maintainer = Maintainer(
            app.state.engine,
            read_model,
            timeout=settings.db_timeout,
            poll_seconds=settings.version_poll_seconds,
            seed=load if settings.seed_empty else None,
            review_after_months=settings.review_after_months,
        )
        app.state.maintainer = maintainer
        if app.state.metrics is not None:
            app.state.metrics.start()
        await maintainer.start()
        yield
        await maintainer.stop()
        if app.state.metrics is not None:
            app.state.metrics.stop()
        if access_log is not None:
            access_log.buffer.flush()
        if owned:
            app.state.engine.dispose()

    app = CicaApp(
        title="CICA Data API",
        version=__version__,
        summary="Cited reference data about CICA.",
        description=DESCRIPTION,
        openapi_tags=_tags(),
        lifespan=lifespan,
        license_info={"name": "MIT", "identifier": "MIT"},
        # Served from installed assets under a Content-Security-Policy (app.api.docs).
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.read_model = read_model
    app.state.site = Site(settings.public_url, f"{build}|{settings.public_url}")
    app.state.exports = ExportStore()
    request_metrics = RequestMetrics() if settings.metrics else None
    app.state.metrics = None
    if request_metrics is not None:
        collector = CicaCollector(
            request_metrics,
            read_model,
            cache=lambda: getattr(app.state, "response_cache", None),
            pool=lambda: getattr(getattr(app.state, "engine", None), "pool", None),
            build=build,
        )
        app.state.metrics = MetricsExport(
            build_registry(collector), host=settings.metrics_host, port=settings.metrics_port
        )
    access_log = AccessLog() if settings.access_log else None
    install_error_handlers(app)
    app.include_router(health.router)
    for pages in (landing.router, docs.router, assets.router):
        app.include_router(pages)
    app.include_router(api_v1.router)
    # In front of FastAPI, outermost first: the edge (request id, CORS, metrics, access log),
    # the 500 guard, the optional cache, HTTP semantics, the fast path for the hot reads;
    # then FastAPI.
    inner: ASGIApp = HttpSemanticsMiddleware(
        FastReads(
            app.fastapi_call,
            api=app,
            collections=api_v1.READS,
            id_names={spec.name: spec.docs.id_name for spec in COLLECTIONS},
            search=search_route,
        )
    )
    if settings.cache_max_bytes > 0:
        cache = ResponseCache(settings.cache_max_bytes)
        read_model.listeners.append(cache.clear)
        app.state.response_cache = cache
        inner = CachingMiddleware(inner, cache=cache, version=lambda: read_model.generation)
    app.front = EdgeMiddleware(
        UnhandledErrorMiddleware(inner),
        routes=RouteTemplates(lambda: app.router.routes),
        metrics=request_metrics,
        access_log=access_log,
    )
    return app


class CicaApp(FastAPI):
    """FastAPI with the edge layer, the 500 guard and the optional response cache in front
    of everything FastAPI does."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.front: ASGIApp = EdgeMiddleware(UnhandledErrorMiddleware(self.fastapi_call))

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = finish(super().openapi())
        return self.openapi_schema

    async def fastapi_call(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.front(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)
