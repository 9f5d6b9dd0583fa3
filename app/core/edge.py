"""The outermost layer: the one reading of the request's headers, request ids, CORS,
security headers and observation, on every response.

It reads the headers once (`app.core.request_headers`) and keeps that reading in
`scope["state"]` for every layer behind it; a request whose header section cannot be read
as one (a repeated `Host`, `Origin`, `X-Request-ID`, ...) or that carries more than
`MAX_QUERY_PARAMETERS` query parameters is answered 400 here, before any other work.

Every response, cache hits and 500s included, carries the request's id (the client's own
`X-Request-ID` when it is short and plain, else a new one) and the same CORS headers: the
API is public and read by browsers from any origin without credentials, so the headers
never depend on `Origin` and no `Vary: Origin` is needed. Writes (`POST`, `PATCH`,
`DELETE`) are the exception: their responses, and the preflights that ask for them, carry
CORS headers only for the origins `CICA_WRITE_ORIGINS` names (none by default), with
`Vary: Origin`. Preflight requests are answered here. `/metrics` (when an operator serves it on this port) gets no CORS headers: no web
page may read it. Written by hand because the general-purpose middlewares (asgi-correlation-id,
Starlette's CORSMiddleware) cost more per request than a cache hit itself; see docs/performance.md.

A response-cache hit of a request without a key is answered here too, before any layer
behind the edge runs: the cache lookup (`app.core.cache`) and the rate-limit admission of
the anonymous client (`app.core.caller`) are made inline, so the hottest answer costs about
what bare Starlette's routing costs. Anything else (a miss, a key, a client whose quota
needs a Redis lease or is used up) goes on through the layers, which then do the same
checks (the lookup and a refusal are handed on in `scope["state"]`, not made twice).

Every response, whatever answered it (a cache hit, the fast path, FastAPI, the 500 guard,
a preflight), is observed here once: its path, method, status and times are recorded
(`app.core.observations`) and go, in batches, to the metrics (`app.core.metrics`, by route
template) and to the access log (`app.core.logging`), both optional.
"""

import os
import re
from collections.abc import Callable
from time import perf_counter
from typing import Final

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.cache import CACHED_METHODS, PREFIX, SIGNATURE, ResponseCache, send_hit, signature_of
from app.core.caller import REFUSED
from app.core.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE, problem_instance
from app.core.logging import AccessLog
from app.core.metrics import RequestMetrics, RouteTemplates
from app.core.observations import Observations
from app.core.rate_limit import RateLimiter, client_partition
from app.core.request_headers import STATE_KEY, read_headers

REQUEST_ID: Final = b"x-request-id"
EXPOSED_HEADERS: Final = (
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
)
ALLOWED_METHODS: Final = "GET, HEAD, OPTIONS"
WRITE_METHODS: Final = frozenset({"POST", "PATCH", "DELETE"})
WRITE_ALLOWED_METHODS: Final = b"GET, HEAD, OPTIONS, POST, PATCH, DELETE"
CORS_HEADERS: Final = (
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", ", ".join(EXPOSED_HEADERS).encode()),
)
# On every response: no MIME sniffing, no framing, no referrer sent on. A CSP is set per HTML
# page (app.api.pages), since two policies on one response would both apply.
SECURITY_HEADERS: Final = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
EDGE_HEADERS: Final = CORS_HEADERS + SECURITY_HEADERS
PREFLIGHT_MAX_AGE: Final = b"86400"
REQUEST_ID_PATTERN: Final = r"[A-Za-z0-9._:@+=/-]{1,128}"
"""A client's `X-Request-ID` is kept when it matches this (deploy/nginx checks the same)."""
_VALID_ID = re.compile(REQUEST_ID_PATTERN.encode())
MAX_QUERY_PARAMETERS: Final = 64
"""More `&`-separated parts in a query string than this is a 400, before any other work."""
METRICS_PATH: Final = "/metrics"
"""Answered without CORS headers: no web page may read the metrics."""


def new_request_id() -> bytes:
    return os.urandom(16).hex().encode()


class EdgeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: RouteTemplates | None = None,
        metrics: RequestMetrics | None = None,
        access_log: AccessLog | None = None,
        write_origins: frozenset[bytes] = frozenset(),
        cache: ResponseCache | None = None,
        version: Callable[[], int] = lambda: 0,
        limiter: RateLimiter | None = None,
    ) -> None:
        """`cache`, `version` and `limiter`: the response cache and its generation, and the
        rate limits, for the hits answered here (the same the layers behind use);
        `write_origins`: the origins whose pages may call the write routes."""
        self.app = app
        self.write_origins = write_origins
        self.cache, self.version, self.limiter = cache, version, limiter
        self.observations: Observations | None = None
        if routes is not None and (metrics is not None or access_log is not None):
            self.observations = Observations(routes, metrics, access_log)
        self.observed = self.observations is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        headers = read_headers(scope)
        state = scope.setdefault("state", {})
        state[STATE_KEY] = headers
        request_id = headers.request_id
        if request_id is None or _VALID_ID.fullmatch(request_id) is None:
            request_id = new_request_id()
        state["request_id"] = request_id.decode()
        cors = scope["path"] != METRICS_PATH
        extra = (*(EDGE_HEADERS if cors else SECURITY_HEADERS), (REQUEST_ID, request_id))
        writing = scope["method"] in WRITE_METHODS or (
            scope["method"] == "OPTIONS"
            and headers.cors_method is not None
            and headers.cors_method.decode("latin-1").upper() in WRITE_METHODS
        )
        if writing:
            extra = self._write_headers(headers.origin, request_id)
        problem = headers.problem or _query_problem(scope["query_string"])
        if problem is not None:
            await _send_bad_request(send, scope, problem, extra)
            if self.observed:
                self._observe(scope, 400, started)
            return
        if (
            scope["method"] == "OPTIONS"
            and cors
            and headers.origin is not None
            and headers.cors_method is not None
        ):
            allowed = [
                *extra,
                (
                    b"access-control-allow-methods",
                    WRITE_ALLOWED_METHODS if writing else ALLOWED_METHODS.encode(),
                ),
                (b"access-control-max-age", PREFLIGHT_MAX_AGE),
                (b"content-length", b"0"),
            ]
            if headers.cors_headers:
                allowed.append((b"access-control-allow-headers", headers.cors_headers[:1024]))
            await send({"type": "http.response.start", "status": 204, "headers": allowed})
            await send({"type": "http.response.body", "body": b""})
            if self.observed:
                self._observe(scope, 204, started)
            return
        cache = self.cache
        if (
            cache is not None
            and headers.authorization is None
            and scope["method"] in CACHED_METHODS
            and scope["path"].startswith(PREFIX)
        ):
            signature = signature_of(scope, headers, self.version())
            entry = cache.get(signature)
            if entry is not None:
                limiter = self.limiter
                admitted = limiter is None or limiter.admit(
                    limiter.anonymous, client_partition(headers.client)
                )
                if admitted:
                    cache.hits += 1
                    status = await send_hit(
                        send, entry, headers, head=scope["method"] == "HEAD", extra=extra
                    )
                    if self.observed:
                        self._observe(scope, status, started)
                    return
                if admitted is False:
                    state[REFUSED] = True
            state[SIGNATURE] = signature

        status = 500  # what the client sees when nothing was sent

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if self.observed:
                self._observe(scope, status, started)

    def _write_headers(
        self, origin: bytes | None, request_id: bytes
    ) -> tuple[tuple[bytes, bytes], ...]:
        """A write's edge headers: CORS only for an origin the operator allows."""
        own = ((b"vary", b"Origin"), *SECURITY_HEADERS, (REQUEST_ID, request_id))
        if origin is None or origin not in self.write_origins:
            return own
        return (
            (b"access-control-allow-origin", origin),
            (b"access-control-expose-headers", CORS_HEADERS[1][1]),
            *own,
        )

    def _observe(self, scope: Scope, status: int, started: float) -> None:
        """One count and one log line per response (counted and written in batches)."""
        assert self.observations is not None
        state = scope["state"]
        self.observations.record(
            (
                scope["path"],
                scope["method"],
                status,
                started,
                perf_counter(),
                state["request_id"],
                state.get("key_name"),
            )
        )


def _query_problem(query_string: bytes) -> str | None:
    if query_string.count(b"&") < MAX_QUERY_PARAMETERS:
        return None
    return f"Too many query parameters: at most {MAX_QUERY_PARAMETERS} are read."


async def _send_bad_request(
    send: Send, scope: Scope, detail: str, extra: tuple[tuple[bytes, bytes], ...]
) -> None:
    """A 400 problem for a request refused before any layer behind the edge runs."""
    body = orjson.dumps(
        {
            "type": PROBLEM_TYPE_BASE + "bad-request",
            "title": "Bad Request",
            "status": 400,
            "detail": detail,
            "instance": problem_instance(scope),
        }
    )
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        *extra,
    ]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
