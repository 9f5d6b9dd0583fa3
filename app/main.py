"""Application factory: metadata, middleware, routers, error handlers, lifespan."""

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version as package_version

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.middleware.cors import CORSMiddleware

from app.api import health
from app.api import v1 as api_v1
from app.api.representation import Site
from app.api.v1.exports import ExportStore
from app.core.cache import CachingMiddleware, ResponseCache
from app.core.config import Settings, get_settings
from app.core.db import build_engine
from app.core.errors import install_error_handlers
from app.core.guard import UnhandledErrorMiddleware
from app.core.http import HttpSemanticsMiddleware
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
    "X-Total-Count",
    "Content-Language",
]
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@+=/-]{1,128}")


def _valid_request_id(value: str) -> bool:
    """A client's id is kept only if it is short and plain: it goes into logs and headers."""
    return _REQUEST_ID.fullmatch(value) is not None


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
    build = package_version("cica-data-api")

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
        )
        app.state.maintainer = maintainer
        await maintainer.start()
        yield
        await maintainer.stop()
        if owned:
            app.state.engine.dispose()

    app = FastAPI(
        title="CICA Data API",
        version="1.0.0",
        summary="Cited reference data about CICA.",
        description=DESCRIPTION,
        openapi_tags=_tags(),
        lifespan=lifespan,
        license_info={"name": "MIT", "identifier": "MIT"},
    )
    app.state.settings = settings
    app.state.read_model = read_model
    app.state.site = Site(settings.public_url, f"{build}|{settings.public_url}")
    app.state.exports = ExportStore()
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(api_v1.router)
    # Added first = innermost. Outward: HTTP semantics, the optional cache, the 500 guard,
    # CORS (so hits, errors and 500s all carry it), then the request id around everything.
    app.add_middleware(HttpSemanticsMiddleware)
    if settings.cache_max_bytes > 0:
        cache = ResponseCache(settings.cache_max_bytes)
        read_model.listeners.append(cache.clear)
        app.state.response_cache = cache
        app.add_middleware(CachingMiddleware, cache=cache, version=lambda: read_model.generation)
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
    app.add_middleware(
        CorrelationIdMiddleware,
        header_name="X-Request-ID",
        generator=lambda: uuid.uuid4().hex,
        validator=_valid_request_id,
    )
    return app
