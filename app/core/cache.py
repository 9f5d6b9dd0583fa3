"""An optional response cache in front of the HTTP layer (pure ASGI).

It keeps complete 200 representations of `GET /v1/...` per snapshot, so a hit runs no
routing, validation or rendering. Entries are keyed on the canonical request the route
reports (path, validated parameters in canonical order, negotiated format and language);
a request finds its entry through a small alias keyed on what the request literally asks
(path, raw query, the format preferences of `Accept`, the language `Accept-Language`
picks), never on raw header values. The headers are the edge's one reading of them
(`app.core.request_headers`), the very values the renderer negotiates with. Everything an entry or alias holds counts towards the
byte budget, so no sequence of requests grows the cache past it.

HTTP semantics (304, HEAD) come from `app.core.http`, shared with the uncached path.

A hit of an anonymous request is answered by the edge itself (`app.core.edge`, with
`lookup` and `send_hit` here), before the layers behind it run; this middleware answers
the rest (a keyed request, a client that must wait for a rate-limit lease) and fills the
cache.
"""

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.formats import Preferences, accept_preferences
from app.core.http import (
    Headers,
    header,
    not_modified,
    not_modified_headers,
    run_as_get,
    send_not_modified,
    send_representation,
)
from app.core.languages import header_language
from app.core.request_headers import RequestHeaders, request_headers

CANONICAL_KEY: Final = "cica.canonical_key"
"""Set in `scope["state"]` by a route whose 200 may be cached."""
SIGNATURE: Final = "cica.cache_signature"
"""Set in `scope["state"]` by the edge when it looked the request up and did not answer."""
PREFIX: Final = "/v1/"
"""Only reads under it are cached."""
CACHED_METHODS: Final = frozenset({"GET", "HEAD"})
ENTRY_OVERHEAD: Final = 400
"""Bytes an entry or alias costs beyond its keys, headers and body (objects, dict slots)."""
POINTER: Final = 8
_PASS_THROUGH: Final = frozenset({b"x-request-id", b"date", b"server"})

Signature = tuple[int, str, bytes, Preferences, str | None]


def signature_of(scope: Scope, headers: RequestHeaders, generation: int) -> Signature:
    """What a request literally asks, as the cache's aliases are keyed."""
    return (
        generation,
        scope["path"],
        scope["query_string"],
        accept_preferences(headers.accept),
        header_language(headers.accept_language),
    )


@dataclass(slots=True)
class Entry:
    headers: Headers
    body: bytes
    size: int
    etag: bytes | None
    last_modified: bytes | None
    not_modified: Headers
    """The headers a 304 repeats, picked once."""
    aliases: int = 0

    @classmethod
    def of(cls, key: str, headers: Headers, body: bytes) -> "Entry":
        kept = not_modified_headers(headers)
        size = ENTRY_OVERHEAD + len(key) + len(body) + POINTER * len(kept)
        size += sum([len(n) + len(v) for n, v in headers])
        return cls(headers, body, size, header(kept, b"etag"), header(kept, b"last-modified"), kept)


class ResponseCache:
    """Entries plus the aliases that lead to them, bounded together by `max_bytes`.

    Eviction drops the least recently used alias, and its entry with it once no alias
    leads there any more."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = self.misses = 0
        self._entries: dict[tuple[int, str], Entry] = {}
        self._aliases: OrderedDict[Signature, tuple[tuple[int, str], int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, signature: Signature) -> Entry | None:
        alias = self._aliases.get(signature)
        if alias is None:
            return None
        self._aliases.move_to_end(signature)
        return self._entries[alias[0]]

    def put(
        self, signature: Signature, key: tuple[int, str], headers: Headers, body: bytes
    ) -> None:
        if signature in self._aliases:
            return
        entry = self._entries.get(key)
        if entry is None:
            entry = Entry.of(key[1], headers, body)
            if entry.size > self.max_bytes:
                return
            self._entries[key] = entry
            self.size += entry.size
        alias_size = ENTRY_OVERHEAD + len(signature[1]) + len(signature[2])
        self._aliases[signature] = (key, alias_size)
        entry.aliases += 1
        self.size += alias_size
        while self.size > self.max_bytes:
            self._evict_oldest()

    def _evict_oldest(self) -> None:
        _, (key, alias_size) = self._aliases.popitem(last=False)
        self.size -= alias_size
        entry = self._entries[key]
        entry.aliases -= 1
        if entry.aliases == 0:
            del self._entries[key]
            self.size -= entry.size

    def clear(self) -> None:
        self._entries.clear()
        self._aliases.clear()
        self.size = 0


class CachingMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        cache: ResponseCache,
        version: Callable[[], int],
        prefix: str = PREFIX,
    ) -> None:
        self.app, self.cache, self.version, self.prefix = app, cache, version, prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in CACHED_METHODS
            or not scope["path"].startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        headers = request_headers(scope)
        signature: Signature | None = scope["state"].get(SIGNATURE)  # the edge's lookup
        if signature is None:
            signature = signature_of(scope, headers, self.version())
        entry = self.cache.get(signature)
        validators = (headers.if_none_match, headers.if_modified_since)
        head = scope["method"] == "HEAD"
        if entry is not None:
            self.cache.hits += 1
            await send_hit(send, entry, headers, head=head)
            return
        self.cache.misses += 1
        await self._fill(scope, receive, send, signature, head=head, validators=validators)

    async def _fill(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        signature: Signature,
        *,
        head: bool,
        validators: tuple[bytes | None, bytes | None],
    ) -> None:
        """Run the app for the full GET; keep a 200 the route marked cacheable."""
        state = scope.setdefault("state", {})
        response = await run_as_get(self.app, scope, receive)
        if response is None:
            return
        status, headers, body = response
        key = state.get(CANONICAL_KEY)
        if status == 200 and key is not None and self.version() == signature[0]:
            stored = [(n, v) for n, v in headers if n not in _PASS_THROUGH]
            self.cache.put(signature, (signature[0], key), stored, body)
        await send_representation(send, status, headers, body, head=head, validators=validators)


async def send_hit(
    send: Send,
    entry: Entry,
    headers: RequestHeaders,
    *,
    head: bool,
    extra: tuple[tuple[bytes, bytes], ...] = (),
) -> int:
    """Answer from `entry` (a 304 when the validators say so), with `extra` headers; the
    status sent. A revalidating client sends back the very ETag it got, so that is compared
    first, before any parsing of `If-None-Match`."""
    if_none_match = headers.if_none_match
    if (if_none_match is not None and if_none_match == entry.etag) or (
        (if_none_match is not None or headers.if_modified_since is not None)
        and not_modified(if_none_match, headers.if_modified_since, entry.etag, entry.last_modified)
    ):
        await send_not_modified(
            send, [*entry.not_modified, *extra] if extra else entry.not_modified
        )
        return 304
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [*entry.headers, *extra] if extra else entry.headers,
        }
    )
    await send({"type": "http.response.body", "body": b"" if head else entry.body})
    return 200
