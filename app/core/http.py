"""HTTP semantics of every GET route, in one pure ASGI layer, with or without a cache.

- `HEAD` is answered from the `GET` representation, without the body.
- A 200 that carries an `ETag` answers `If-None-Match` (any listed tag, weak comparison,
  or `*`) and, only when that header is absent, `If-Modified-Since`, with a 304 that repeats
  the validators and caching headers and nothing of the body's metadata.
- A 405 names `HEAD` in `Allow` wherever it names `GET`.
- Public GET representations say `Cache-Control` and `Vary`; the routes set them through
  `app.api.representation.respond`, probes say `no-store`.

The response cache (`app.core.cache`) sits in front of this layer and uses the same
functions for its hits, so both answer alike.
"""

import datetime as dt
from collections.abc import Iterable
from email.utils import parsedate_to_datetime
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.request_headers import request_headers

CACHE_CONTROL: Final = "public, max-age=60, stale-while-revalidate=300"
VARY: Final = "Accept, Accept-Language"
NOT_MODIFIED_HEADERS: Final = frozenset(
    {
        b"etag",
        b"last-modified",
        b"cache-control",
        b"vary",
        b"x-dataset-version",
        b"content-location",
        b"expires",
        b"deprecation",  # a deprecated route says so on its 304s too (app.core.deprecation)
        b"sunset",
    }
)
VALIDATOR_LIMIT: Final = 4096
Headers = list[tuple[bytes, bytes]]


def _etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    if if_none_match == etag:  # what a client that revalidates sends back
        return True
    if if_none_match.strip() == b"*":
        return True
    return any(tag.strip().removeprefix(b"W/") == etag for tag in if_none_match.split(b","))


def not_modified(
    if_none_match: bytes | None,
    if_modified_since: bytes | None,
    etag: bytes | None,
    last_modified: bytes | None,
) -> bool:
    """RFC 9110 section 13.2.2, for GET and HEAD."""
    if etag is None:
        return False
    if if_none_match is not None:
        return len(if_none_match) <= VALIDATOR_LIMIT and _etag_matches(if_none_match, etag)
    if if_modified_since is None or last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since[:64].decode("latin-1"))
        modified = parsedate_to_datetime(last_modified.decode("latin-1"))
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        return False
    return modified <= since.astimezone(dt.UTC)


def request_validators(scope: Scope) -> tuple[bytes | None, bytes | None]:
    """`If-None-Match` (its lines combined) and `If-Modified-Since`, as the edge read them."""
    headers = request_headers(scope)
    return headers.if_none_match, headers.if_modified_since


def header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((v for n, v in headers if n == name), None)


def not_modified_headers(headers: Headers) -> Headers:
    """What a 304 repeats of a representation's headers: validators and caching headers."""
    return [
        (n, v) for n, v in headers if n in NOT_MODIFIED_HEADERS or n.startswith(b"access-control-")
    ]


async def send_not_modified(send: Send, headers: Headers) -> None:
    await send({"type": "http.response.start", "status": 304, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


async def send_representation(
    send: Send,
    status: int,
    headers: Headers,
    body: bytes,
    *,
    head: bool,
    validators: tuple[bytes | None, bytes | None],
) -> None:
    """Send a GET representation: as is, without its body for HEAD, or as a 304."""
    if (
        status == 200
        and validators != (None, None)
        and not_modified(*validators, header(headers, b"etag"), header(headers, b"last-modified"))
    ):
        await send_not_modified(send, not_modified_headers(headers))
        return
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


async def run_as_get(
    app: ASGIApp, scope: Scope, receive: Receive
) -> tuple[int, Headers, bytes] | None:
    """Run `app` for a GET of the same URL and collect its response (HEAD is answered from
    the GET representation); None if it sent nothing."""
    start: Message = {}
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app({**scope, "method": "GET"}, receive, capture)
    if not start:
        return None
    return start["status"], list(start.get("headers", [])), b"".join(chunks)


class HttpSemanticsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            await self.app(scope, receive, _allow_head(send))
            return
        validators = request_validators(scope)
        if method == "GET" and validators == (None, None):
            # Nothing to answer but the representation itself: let it through as it is sent.
            await self.app(scope, receive, send)
            return
        response = await run_as_get(self.app, scope, receive)
        if response is None:
            return
        status, headers, body = response
        await send_representation(
            send, status, headers, body, head=method == "HEAD", validators=validators
        )


def _allow_head(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 405:
            message["headers"] = [
                (n, _with_head(v) if n == b"allow" else v) for n, v in message.get("headers", [])
            ]
        await send(message)

    return wrapped


def _with_head(allow: bytes) -> bytes:
    methods = [m.strip() for m in allow.split(b",") if m.strip()]
    if b"GET" in methods and b"HEAD" not in methods:
        methods.insert(methods.index(b"GET") + 1, b"HEAD")
    return b", ".join(methods)
