"""The outermost layer: request ids, CORS and security headers, on every response.

Every response, cache hits and 500s included, carries the request's id (the client's own
`X-Request-ID` when it is short and plain, else a new one) and the same CORS headers: the
API is public and read by browsers from any origin without credentials, so the headers
never depend on `Origin` and no `Vary: Origin` is needed. Preflight requests are answered
here. Written by hand because the general-purpose middlewares (asgi-correlation-id,
Starlette's CORSMiddleware) cost more per request than a cache hit itself; see the README.
"""

import os
import re
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
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
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
