"""Application factory: metadata, middleware, routers, error handlers, lifespan."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version as package_version

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.middleware.cors import CORSMiddleware

from app.api import health
from app.api import v1 as api_v1
from app.api.v1.exports import ExportStore
from app.core.cache import CACHE_CONTROL, VARY, CachingMiddleware, ResponseCache
from app.core.config import Settings, get_settings
from app.core.dataset_state import DatasetState
from app.core.db import build_engine
from app.core.errors import install_error_handlers
from app.core.middleware import RequestIdMiddleware, UnhandledErrorMiddleware

DESCRIPTION = """
Reference data about the **Conference on Interaction and Confidence Building Measures in
Asia (CICA)**: member states, observers and applicants, partner organizations, councils and
other bodies, and the reform areas of the Transformation Roadmap.

Where sources disagree, a record's `disputed` lists the competing values with their
citations, and `/v1/conflicts` lists every disagreement.

Every record carries `sources`: citations with a short verbatim quote and the fields the
quote supports (`supports`), pointing to `/v1/sources/{source_id}`. Dates have the
precision the sources give (`1999`, `2022-10`, `2022-10-13`).

Lists answer `{"data", "meta", "links"}` with `limit` (1-200, default 50) and `offset`;
`links.next` and `links.prev` are absolute URLs. Unknown query parameters are rejected
(400). Errors are RFC 9457 `application/problem+json`.
"""

TAGS = [
    {"name": "members", "description": "The 28 member states."},
    {"name": "observers", "description": "Observer states and organizations, and applicants."},
    {"name": "partner organizations", "description": "Organizations CICA cooperates with."},
    {"name": "councils", "description": "Councils, committees, the Secretariat and other bodies."},
    {"name": "reform areas", "description": "The Roadmap for CICA Transformation (2023)."},
    {"name": "chairmanships", "description": "Which state chaired CICA, and when."},
    {"name": "meetings", "description": "Summits, ministerial councils and other meetings."},
    {"name": "cbm dimensions", "description": "The Catalogue of Confidence Building Measures."},
    {"name": "conflicts", "description": "Facts on which sources disagree, every claim cited."},
    {"name": "sources", "description": "The documents and references every fact cites."},
    {"name": "search", "description": "One query across every collection, ranked."},
    {"name": "exports", "description": "Whole-dataset files with their SHA-256."},
    {"name": "operations", "description": "Health and readiness probes."},
]

EXPOSED_HEADERS = [
    "ETag",
    "Link",
    "Deprecation",
    "Sunset",
    "RateLimit",
    "RateLimit-Policy",
    "Retry-After",
    "X-Request-ID",
    "X-Dataset-Version",
]


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()

    dataset = DatasetState()
    cache = ResponseCache(settings.cache_max_bytes)
    dataset.listeners.append(cache.clear)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owns_engine = engine is None
        app.state.engine = engine or build_engine(settings)
        dataset.refresh(app.state.engine)
        poller = asyncio.create_task(dataset.poll(app.state.engine, settings.version_poll_seconds))
        yield
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller
        if owns_engine:
            app.state.engine.dispose()

    app = FastAPI(
        title="CICA Data API",
        version="1.0.0",
        summary="Cited reference data about CICA.",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        license_info={"name": "MIT", "identifier": "MIT"},
    )
    app.state.settings = settings
    app.state.dataset = dataset
    app.state.response_cache = cache
    app.state.exports = ExportStore()
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(api_v1.router)
    # Added last = outermost: request id, then CORS, then the 500 guard inside CORS.
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS,
        max_age=86400,
    )
    app.add_middleware(RequestIdMiddleware)
    if settings.cache_max_bytes > 0:
        # Outermost: a hit is answered before any other middleware or routing runs, so it
        # carries the CORS headers itself (any origin, no credentials: the same for all).
        app.add_middleware(
            CachingMiddleware,
            cache=cache,
            state=dataset,
            build=package_version("cica-data-api"),
            static_headers=[
                (b"cache-control", CACHE_CONTROL),
                (b"vary", VARY),
                (b"access-control-allow-origin", b"*"),
                (b"access-control-expose-headers", ", ".join(EXPOSED_HEADERS).encode()),
            ],
        )
    return app
