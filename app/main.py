"""Application factory: metadata, middleware, routers, error handlers, lifespan."""

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.types import ASGIApp, Receive, Scope, Send

from app import __version__
from app.api import assets, docs, health, landing
from app.api.fast_reads import FastReads
from app.api.openapi_document import finish
from app.api.representation import Site
from app.api.v1 import build_router
from app.api.v1.exports import ExportStore
from app.api.v1.search import search_route
from app.api.write_document import document_writes
from app.core.api_keys import KeyPoller, KeyRing
from app.core.cache import CachingMiddleware, ResponseCache
from app.core.caller import CallerMiddleware
from app.core.caller_metrics import CallerCollector
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
from app.core.rate_limit import RateLimiter, RedisLeases, policies_from
from app.core.read_model import Maintainer, ReadModel
from app.registry import COLLECTIONS
from app.services.api_keys import known_keys
from app.spec import CollectionSpec

logger = logging.getLogger("app")

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


def _tags(collections: Sequence[CollectionSpec[Any, Any]]) -> list[dict[str, str]]:
    collection_tags = [
        {"name": spec.docs.tag, "description": spec.docs.tag_description} for spec in collections
    ]
    return [
        *collection_tags,
        {"name": "search", "description": "One query across every collection, ranked."},
        {"name": "exports", "description": "Whole-dataset files with their SHA-256."},
        {"name": "operations", "description": "Health and readiness probes."},
    ]


def create_app(
    settings: Settings | None = None,
    engine: Engine | None = None,
    *,
    collections: Sequence[CollectionSpec[Any, Any]] = COLLECTIONS,
) -> FastAPI:
    """The app serving `collections` (the registry's, unless a test gives its own)."""
    settings = settings or get_settings()
    read_model = ReadModel()
    keys = KeyRing()
    limiter = _rate_limiter(settings)
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
            collections=collections,
            seed=(lambda engine: load(engine, collections=collections))
            if settings.seed_empty
            else None,
            review_after_months=settings.review_after_months,
        )
        app.state.maintainer = maintainer
        if app.state.metrics is not None:
            app.state.metrics.start()
        await maintainer.start()
        key_poller = KeyPoller(
            app.state.engine,
            keys,
            poll_seconds=settings.version_poll_seconds,
            timeout=settings.db_timeout,
            ready=lambda: maintainer.prepared,
            load=known_keys,
        )
        await key_poller.start()
        logger.info("serving the CICA Data API; documentation at %s/docs", settings.public_url)
        yield
        await key_poller.stop()
        await maintainer.stop()
        if limiter is not None:
            await limiter.close()
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
        openapi_tags=_tags(collections),
        lifespan=lifespan,
        license_info={"name": "MIT", "identifier": "MIT"},
        contact={"name": "Report a wrong fact or a problem", "url": settings.contact_url},
        servers=[{"url": settings.public_url, "description": "This deployment"}],
        # Served from installed assets under a Content-Security-Policy (app.api.docs).
        docs_url=None,
        redoc_url=None,
    )
    # A trailing-slash redirect is sent by the 404 handler, from CICA_PUBLIC_URL
    # (app.core.errors.slash_redirect); Starlette's own takes its Location from `Host`.
    app.router.redirect_slashes = False
    app.state.settings = settings
    app.state.collections = tuple(collections)
    app.state.read_model = read_model
    app.state.keys = keys
    app.state.rate_limiter = limiter
    app.state.site = Site(settings.public_url, f"{build}|{settings.public_url}")
    app.state.exports = ExportStore(collections)
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
            build_registry(collector),
            host=settings.metrics_host,
            port=None if settings.metrics_on_api_port else settings.metrics_port,
        )
    access_log = AccessLog() if settings.access_log else None
    install_error_handlers(app)
    app.include_router(health.router)
    for pages in (landing.router, docs.router, assets.router):
        app.include_router(pages)
    router, reads = build_router(collections)
    app.include_router(router)
    # In front of FastAPI, outermost first: the edge (request id, CORS, metrics, access log),
    # the 500 guard, keys and rate limits, the optional cache, HTTP semantics, the fast path
    # for the hot reads; then FastAPI.
    inner: ASGIApp = HttpSemanticsMiddleware(
        FastReads(
            app.fastapi_call,
            api=app,
            collections=reads,
            id_names={spec.name: spec.docs.id_name for spec in collections},
            search=search_route,
        )
    )
    cache = None
    if settings.cache_max_bytes > 0:
        cache = ResponseCache(settings.cache_max_bytes)
        read_model.listeners.append(cache.clear)
        app.state.response_cache = cache
        inner = CachingMiddleware(inner, cache=cache, version=lambda: read_model.generation)
    caller = CallerMiddleware(inner, keys=keys, limiter=limiter)
    if app.state.metrics is not None:
        app.state.metrics.registry.register(CallerCollector(caller, limiter))
    app.front = EdgeMiddleware(
        UnhandledErrorMiddleware(caller),
        routes=RouteTemplates(lambda: app.router.routes),
        metrics=request_metrics,
        access_log=access_log,
        write_origins=frozenset(
            origin.strip().rstrip("/").encode("latin-1")
            for origin in settings.write_origins.split(",")
            if origin.strip()
        ),
        cache=cache,
        version=lambda: read_model.generation,
        limiter=limiter,
    )
    return app


def _rate_limiter(settings: Settings) -> RateLimiter | None:
    if not settings.rate_limits:
        return None
    store = None
    if settings.redis_url:
        store = RedisLeases(
            settings.redis_url, prefix=settings.redis_prefix, timeout=settings.redis_timeout
        )
    return RateLimiter(policies_from(settings), store=store)


class CicaApp(FastAPI):
    """FastAPI with the edge layer, the 500 guard and the optional response cache in front
    of everything FastAPI does."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.front: ASGIApp = EdgeMiddleware(UnhandledErrorMiddleware(self.fastapi_call))

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = finish(
                document_writes(super().openapi(), getattr(self.state, "collections", ()))
            )
        return self.openapi_schema

    async def fastapi_call(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.front(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)
