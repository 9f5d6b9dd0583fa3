"""The HTTP server's own defences, so `cica-api serve` may face clients directly.

uvicorn's settings cover some of it: `limit_concurrency` (a 503 past it),
`timeout_keep_alive` (an idle keep-alive connection is closed) and, for the h11 parser,
`h11_max_incomplete_event_size`. The httptools parser `serve` runs has no limit on header
size that can be set, and uvicorn has no header-read timeout, so `GuardedHttpToolsProtocol`
adds, per connection:

- a cap on the request target (`MAX_URL_BYTES`, else 414), on the header section
  (`MAX_HEADER_BYTES`, counted as the bytes arrive, finished or not, else 431) and on the
  number of header lines (`MAX_HEADER_LINES`, else 431);
- a header-read timeout: from a connection's start, or the first byte after it was idle,
  the whole header section must arrive within `HEADER_TIMEOUT` seconds (else 408 and the
  connection is closed: a client sending a byte a second holds nothing for long);
- a cap on open connections: a new connection past `limit_concurrency - 1` closes the
  connection idle longest (one between requests, or still sending its headers); only when
  every connection has a request in progress is the new one answered 503. So idle
  connections cannot starve `/healthz` or exhaust the process's file descriptors.

The benchmark's bare-Starlette ceiling runs on the same options (`cli_options`).
"""

import asyncio
from collections import OrderedDict
from typing import Any, Final

import httptools
import orjson
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

PROTOCOL: Final = "app.core.server:GuardedHttpToolsProtocol"
"""uvicorn's `http` setting: httptools, with the limits below."""
MAX_URL_BYTES: Final = 8 * 1024
MAX_HEADER_BYTES: Final = 32 * 1024
MAX_HEADER_LINES: Final = 100
HEADER_TIMEOUT: Final = 10.0
KEEP_ALIVE_TIMEOUT: Final = 5
DEFAULT_MAX_CONNECTIONS: Final = 1000
PROBLEM_TYPE_BASE: Final = "https://cica-data-api.example/problems/"


def uvicorn_options(max_connections: int = DEFAULT_MAX_CONNECTIONS) -> dict[str, Any]:
    """The protective part of `uvicorn.run`'s keyword arguments."""
    return {
        "http": PROTOCOL,
        "limit_concurrency": max_connections,
        "timeout_keep_alive": KEEP_ALIVE_TIMEOUT,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
    }


def cli_options(max_connections: int = DEFAULT_MAX_CONNECTIONS) -> list[str]:
    """The same, as uvicorn's command-line options."""
    options = []
    for name, value in uvicorn_options(max_connections).items():
        options += [f"--{name.replace('_', '-')}", str(value)]
    return options


def _problem(status: int, detail: str) -> bytes:
    """A complete HTTP/1.1 response with a problem+json body, closing the connection."""
    title = STATUS_LINE[status].split(b" ", 2)[2].strip().decode()
    body = orjson.dumps(
        {
            "type": PROBLEM_TYPE_BASE + title.lower().replace(" ", "-"),
            "title": title,
            "status": status,
            "detail": detail,
        }
    )
    head = (
        b"content-type: application/problem+json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"connection: close\r\n"
    )
    if status == 503:
        head += b"retry-after: 1\r\n"
    return STATUS_LINE[status] + head + b"\r\n" + body


URL_TOO_LONG: Final = _problem(414, f"The request target is longer than {MAX_URL_BYTES} bytes.")
HEADERS_TOO_LARGE: Final = _problem(
    431,
    f"The request's header section exceeds {MAX_HEADER_BYTES} bytes or {MAX_HEADER_LINES} lines.",
)
HEADERS_TOO_SLOW: Final = _problem(
    408, f"The request's headers did not arrive within {HEADER_TIMEOUT:g} seconds."
)
TOO_MANY_CONNECTIONS: Final = _problem(503, "Too many connections are busy; retry shortly.")


class _Refused(Exception):
    """Raised in a parser callback to stop parsing a request that is over a limit."""


def _idle_connections(state: ServerState) -> "OrderedDict[GuardedHttpToolsProtocol, None]":
    """This server's connections with no request in progress, longest idle first."""
    idle: OrderedDict[GuardedHttpToolsProtocol, None] | None = getattr(state, "cica_idle", None)
    if idle is None:
        idle = OrderedDict()
        state.cica_idle = idle  # type: ignore[attr-defined]
    return idle


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits of this module (see its docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idle = _idle_connections(self.server_state)
        self._headers_timer: asyncio.TimerHandle | None = None
        self._unparsed = 0
        """Bytes received since the last complete header section (body bytes excepted)."""
        self._header_bytes = 0
        self._header_lines = 0
        self._refusal: bytes | None = None

    # Connections: the cap, and the idle ones it may close.

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        limit = self.limit_concurrency
        if limit is not None:
            excess = len(self.connections) + 2 - limit  # this one, and room below the limit
            while excess > 0 and self._idle:
                oldest, _ = self._idle.popitem(last=False)
                self.connections.discard(oldest)  # gone now, though closed on the next turn
                oldest._close()
                excess -= 1
        super().connection_made(transport)
        if limit is not None and len(self.connections) >= limit:
            transport.write(TOO_MANY_CONNECTIONS)
            self._close()
            return
        self._idle[self] = None
        self._arm_headers_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._idle.pop(self, None)
        self._disarm_headers_timer()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.cycle is not None and not self.pipeline:
            self._idle[self] = None  # idle again, now the newest

    # Reading: the header-read timeout and the size limits.

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        if self._headers_timer is None and self._self_idle():
            self._arm_headers_timer()  # the first byte of a request after an idle time
        # Counted before parsing, judged after: a chunk may hold a whole header section
        # and the start of a large body (a write's), and only header bytes count. The
        # parser holds at most one chunk (up to 256 KiB) past the limit before the refusal.
        self._unparsed += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self._refusal is not None:
                self._refuse(self._refusal)
                return
            message = "Invalid HTTP request received."
            self.logger.warning(message)
            self.send_400_response(message)
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        if self._unparsed > MAX_HEADER_BYTES:
            self._refuse(HEADERS_TOO_LARGE)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = self._header_lines = 0

    def on_url(self, url: bytes) -> None:
        if len(self.url) + len(url) > MAX_URL_BYTES:
            self._refusal = URL_TOO_LONG
            raise _Refused
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_lines += 1
        self._header_bytes += len(name) + len(value) + 4
        if self._header_lines > MAX_HEADER_LINES or self._header_bytes > MAX_HEADER_BYTES:
            self._refusal = HEADERS_TOO_LARGE
            raise _Refused
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm_headers_timer()
        self._unparsed = 0
        self._idle.pop(self, None)  # a request in progress: not closed to make room
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._unparsed = max(0, self._unparsed - len(body))
        super().on_body(body)

    # Helpers.

    def _self_idle(self) -> bool:
        return self.cycle is None or (self.cycle.response_complete and not self.pipeline)

    def _arm_headers_timer(self) -> None:
        self._headers_timer = self.loop.call_later(HEADER_TIMEOUT, self._headers_timed_out)

    def _disarm_headers_timer(self) -> None:
        if self._headers_timer is not None:
            self._headers_timer.cancel()
            self._headers_timer = None

    def _headers_timed_out(self) -> None:
        self._headers_timer = None
        if self.transport.is_closing():
            return
        if self._unparsed:  # part of a request came: say why it ends
            self.transport.write(HEADERS_TOO_SLOW)
        self._close()

    def _refuse(self, response: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(response)
        self._close()

    def _close(self) -> None:
        self._disarm_headers_timer()
        self._idle.pop(self, None)
        if not self.transport.is_closing():
            self.transport.close()
