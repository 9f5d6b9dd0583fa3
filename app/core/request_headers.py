"""One reading of the request headers the app acts on, made once per request at the edge.

The edge (`app.core.edge`) reads `scope["headers"]` here and stores the result in
`scope["state"]`; the response cache's key, the renderer's negotiation, the conditional
request validators, CORS, the request id and the logs all read that one object, so no two
layers can read one header differently (the cache keying on the last `Accept-Language`
line while the renderer read the first let one client choose another's answer).

Repeated field lines are combined as RFC 9110 section 5.3 says: joined with ", " in the
order they came, for the fields defined as lists (`Accept`, `Accept-Language`,
`Accept-Encoding`, `If-None-Match`, `Access-Control-Request-Headers`, `Authorization`).
A field that holds one value (`Host`, `If-Modified-Since`, `Origin`, `X-Request-ID`,
`Access-Control-Request-Method`) sent twice cannot be combined: the reading names it in
`problem` and the edge answers 400. So does a `Host` missing from an HTTP/1.1 request
(RFC 9112 section 3.2).

The reading also holds the client's address (`scope["client"]`), for the rate limits.
To read another header, add a field to `RequestHeaders` (before `client`) and its name to
`_LISTS` or `_SINGLES`; `read_headers` is the only code that reads `scope["headers"]` for
them.
"""

from typing import Any, Final, NamedTuple

from starlette.types import Scope

STATE_KEY: Final = "cica.headers"
"""Where the edge keeps the reading in `scope["state"]`."""


class RequestHeaders(NamedTuple):
    """The headers of one request, each as one value (None when absent)."""

    accept: str | None = None
    accept_language: str | None = None
    accept_encoding: str | None = None
    if_none_match: bytes | None = None
    if_modified_since: bytes | None = None
    origin: bytes | None = None
    request_id: bytes | None = None
    """As the client sent it; the edge checks it and makes one where it is unfit."""
    cors_method: bytes | None = None
    """`Access-Control-Request-Method`: present on CORS preflight requests."""
    cors_headers: bytes | None = None
    """`Access-Control-Request-Headers`."""
    host: bytes | None = None
    authorization: bytes | None = None
    """Repeated lines joined with ", ", which no valid credential survives."""
    client: str = "unknown"
    """The client's address: the peer's, or with `CICA_TRUSTED_PROXIES` the one those
    proxies forwarded (uvicorn's proxy-headers middleware has put it in `scope["client"]`
    before the app runs)."""
    problem: str | None = None
    """Why the request's header section is refused (a 400), or None."""


# Field name -> position in RequestHeaders: the list fields first (combined), then the
# fields that may come once.
_FIELDS: Final = RequestHeaders._fields
_LISTS: Final = (
    (b"accept", "accept"),
    (b"accept-language", "accept_language"),
    (b"accept-encoding", "accept_encoding"),
    (b"if-none-match", "if_none_match"),
    (b"access-control-request-headers", "cors_headers"),
    (b"authorization", "authorization"),
)
_SINGLES: Final = (
    (b"host", "host"),
    (b"if-modified-since", "if_modified_since"),
    (b"origin", "origin"),
    (b"x-request-id", "request_id"),
    (b"access-control-request-method", "cors_method"),
)
_POSITION: Final = {name: _FIELDS.index(field) for name, field in _LISTS + _SINGLES}
_COMBINED: Final = frozenset(_FIELDS.index(field) for _, field in _LISTS)
_TEXT: Final = tuple(_FIELDS.index(f) for f in ("accept", "accept_language", "accept_encoding"))
_HOST: Final = _FIELDS.index("host")
_CLIENT: Final = _FIELDS.index("client")
_PROBLEM: Final = _FIELDS.index("problem")
_EMPTY: Final = (None,) * len(_FIELDS)
_new = tuple.__new__


def read_headers(scope: Scope) -> RequestHeaders:
    """The reading of `scope`'s headers (see the module's docstring)."""
    values: list[Any] = list(_EMPTY)
    refused = None
    for name, value in scope["headers"]:
        position = _POSITION.get(name)
        if position is None:
            continue
        earlier = values[position]
        if earlier is None:
            values[position] = value
        elif position in _COMBINED:
            values[position] = earlier + b", " + value
        elif refused is None:
            refused = name
    for position in _TEXT:
        if values[position] is not None:
            values[position] = values[position].decode("latin-1")
    client = scope.get("client")
    values[_CLIENT] = client[0] if client else "unknown"
    if refused is not None:  # neither line is used: no request id, no origin, ...
        values[_POSITION[refused]] = None
        values[_PROBLEM] = f"The {refused.decode().title()} header may be sent only once."
    elif values[_HOST] is None and scope.get("http_version") == "1.1":
        values[_PROBLEM] = "An HTTP/1.1 request must carry a Host header."
    return _new(RequestHeaders, values)


def request_headers(scope: Scope) -> RequestHeaders:
    """The reading the edge made for this request (made here if no edge ran, as in a test
    of one layer alone)."""
    state = scope.setdefault("state", {})
    reading: RequestHeaders | None = state.get(STATE_KEY)
    if reading is None:
        reading = state[STATE_KEY] = read_headers(scope)
    return reading
