"""The outermost layer: request ids, CORS, security headers and observation, on every
response.

Every response, cache hits and 500s included, carries the request's id (the client's own
`X-Request-ID` when it is short and plain, else a new one) and the same CORS headers: the
API is public and read by browsers from any origin without credentials, so the headers
never depend on `Origin` and no `Vary: Origin` is needed. Preflight requests are answered
here. Written by hand because the general-purpose middlewares (asgi-correlation-id,
Starlette's CORSMiddleware) cost more per request than a cache hit itself; see docs/performance.md.

Every response, whatever answered it (a cache hit, the fast path, FastAPI, the 500 guard,
a preflight), is observed here once: its route template, method, status and time go to the
metrics (`app.core.metrics`) and to the access log (`app.core.logging`), both optional.
"""

import os
import re
from time import perf_counter
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging import AccessLog
from app.core.metrics import RequestMetrics, RouteTemplates

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
_VALID_ID = re.compile(rb"[A-Za-z0-9._:@+=/-]{1,128}")


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
    ) -> None:
        self.app, self.routes, self.metrics, self.access_log = app, routes, metrics, access_log
        self.observed = routes is not None and (metrics is not None or access_log is not None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        request_id = origin = preflight = requested_headers = None
        for name, value in scope["headers"]:
            if name == REQUEST_ID:
                request_id = value
            elif name == b"origin":
                origin = value
            elif name == b"access-control-request-method":
                preflight = value
            elif name == b"access-control-request-headers":
                requested_headers = value
        if request_id is None or _VALID_ID.fullmatch(request_id) is None:
            request_id = new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id.decode()
        extra = (*EDGE_HEADERS, (REQUEST_ID, request_id))
        if scope["method"] == "OPTIONS" and origin is not None and preflight is not None:
            headers = [
                *extra,
                (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
                (b"access-control-max-age", PREFLIGHT_MAX_AGE),
                (b"content-length", b"0"),
            ]
            if requested_headers:
                headers.append((b"access-control-allow-headers", requested_headers[:1024]))
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            if self.observed:
                self._observe(scope, 204, perf_counter() - started)
            return

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
                self._observe(scope, status, perf_counter() - started)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        """One count and one log line per response, labelled with the route template."""
        assert self.routes is not None
        path, method = scope["path"], scope["method"]
        route = self.routes(path)
        if self.metrics is not None:
            self.metrics.observe(route, method, status, seconds)
        if self.access_log is not None:
            state = scope["state"]
            self.access_log.write(
                route, method, status, seconds, state["request_id"], path, state.get("key_name")
            )
