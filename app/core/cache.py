"""A versioned response cache in front of routing (pure ASGI).

A cached representation is answered here, before Starlette's router and every other
middleware: no SQL, no validation, no JSON encoding. Entries are keyed by (dataset
version, path, normalised query, Accept, Accept-Language); a new version makes every old
entry unreachable and clears the store. The same layer answers conditional requests
(`If-None-Match`, `If-Modified-Since`) with 304, for hits and misses alike, because a
strong ETag here is a function of the representation's key and the dataset version.
"""

import hashlib
import itertools
import os
from collections import OrderedDict
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.dataset_state import DatasetState

CACHE_CONTROL = b"public, max-age=60, stale-while-revalidate=300"
VARY = b"Accept, Accept-Language"
_STORED_HEADERS = {b"content-type", b"content-language", b"x-total-count", b"link"}
_HOP = b"x-request-id"


@dataclass(frozen=True)
class Entry:
    etag: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ResponseCache:
    """An LRU bounded by the bytes of the bodies it holds."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[tuple[object, ...], Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple[object, ...]) -> Entry | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple[object, ...], entry: Entry) -> None:
        if len(entry.body) > self.max_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= len(old.body)
        self._entries[key] = entry
        self.size += len(entry.body)
        while self.size > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.size -= len(evicted.body)

    def clear(self, _version: int | None = None) -> None:
        self._entries.clear()
        self.size = 0


def etag_for(build: str, version: int, key: tuple[object, ...]) -> bytes:
    """Strong, and the same on every replica for the same representation and version."""
    digest = hashlib.blake2b(repr(key).encode(), digest_size=10).hexdigest()
    return f'"{build}-{version}-{digest}"'.encode()


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    if if_none_match.strip() == b"*":
        return True
    return any(tag.strip().removeprefix(b"W/") == etag for tag in if_none_match.split(b","))


class RequestIds:
    """Cheap unique ids for the hot path: a random per-process prefix and a counter."""

    def __init__(self) -> None:
        self._prefix = os.urandom(6).hex()
        self._counter = itertools.count(1)

    def next(self) -> bytes:
        return f"{self._prefix}{next(self._counter):08x}".encode()


class CachingMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        cache: ResponseCache,
        state: DatasetState,
        build: str,
        static_headers: list[tuple[bytes, bytes]],
        prefix: str = "/v1/",
    ) -> None:
        self.app, self.cache, self.state, self.build = app, cache, state, build
        self.static_headers = static_headers
        self.prefix = prefix
        self.request_ids = RequestIds()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not scope["path"].startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        accept = accept_language = if_none_match = if_modified_since = request_id = b""
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value
            elif name == b"accept-language":
                accept_language = value
            elif name == b"if-none-match":
                if_none_match = value
            elif name == b"if-modified-since":
                if_modified_since = value
            elif name == _HOP and 0 < len(value) <= 200:
                request_id = value
        query = scope["query_string"]
        if b"&" in query:
            query = urlencode(
                sorted(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
            ).encode()
        key = (scope["path"], query, accept, accept_language)
        version = self.state.version
        entry = self.cache.get((version, *key))
        if entry is None:
            await self._fill(scope, receive, send, key, version, if_none_match, if_modified_since)
            return
        status = 304 if self._not_modified(if_none_match, if_modified_since, entry.etag) else 200
        head = status == 304 or scope["method"] == "HEAD"
        await self._send(
            send, status, entry.etag, entry.headers, entry.body, request_id, version, head=head
        )

    def _not_modified(self, if_none_match: bytes, if_modified_since: bytes, etag: bytes) -> bool:
        if if_none_match:
            return _matches(if_none_match, etag)
        if if_modified_since and self.state.version >= 0:
            try:
                since = parsedate_to_datetime(if_modified_since.decode("latin-1"))
            except (TypeError, ValueError):
                return False
            return since.tzinfo is not None and self.state.last_modified <= since
        return False

    async def _send(
        self,
        send: Send,
        status: int,
        etag: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        request_id: bytes,
        version: int,
        *,
        head: bool,
    ) -> None:
        # A 304 repeats only the validators and caching headers, not the body's metadata.
        out = [
            *(headers if status == 200 else ()),
            *self.static_headers,
            (b"etag", etag),
            (b"last-modified", self.state.last_modified_header),
            (b"x-dataset-version", str(version).encode()),
            (_HOP, request_id or self.request_ids.next()),
        ]
        if status == 200:
            out.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": b"" if head else body})

    async def _fill(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        key: tuple[object, ...],
        version: int,
        if_none_match: bytes,
        if_modified_since: bytes,
    ) -> None:
        """Run the app; keep a 200 of the current version; add the caching
        headers; answer 304 if the request's validators match what was just built."""
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        # HEAD is answered from a GET (the routes declare GET only); the body is dropped below.
        await self.app({**scope, "method": "GET"}, receive, capture)
        body = b"".join(chunks)
        headers = list(start.get("headers", []))
        response_version = next((v for n, v in headers if n == b"x-dataset-version"), None)
        if start.get("status") != 200 or response_version is None:
            await send(start)
            await send(
                {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
            )
            return
        served_version = int(response_version)
        stored = [(n, v) for n, v in headers if n in _STORED_HEADERS]
        etag = etag_for(self.build, served_version, key)
        if served_version == version == self.state.version:
            self.cache.put((version, *key), Entry(etag, stored, body))
        request_id = next((v for n, v in headers if n == _HOP), b"")
        status = 304 if self._not_modified(if_none_match, if_modified_since, etag) else 200
        head = status == 304 or scope["method"] == "HEAD"
        await self._send(send, status, etag, stored, body, request_id, served_version, head=head)
