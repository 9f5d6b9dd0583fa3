"""One reading of the request headers the app acts on, made once per request at the edge.

The edge (`app.core.edge`) reads `scope["headers"]` here and stores the result in
`scope["state"]`; the response cache's key, the renderer's negotiation, the conditional
request validators, CORS, the request id and the logs all read that one object, so no two
layers can read one header differently (the cache keying on the last `Accept-Language`
line while the renderer read the first let one client choose another's answer).

Repeated field lines are combined as RFC 9110 section 5.3 says: joined with ", " in the
order they came, for the fields defined as lists (`Accept`, `Accept-Language`,
`Accept-Encoding`, `If-None-Match`, `Access-Control-Request-Headers`). A field that holds
one value (`Host`, `If-Modified-Since`, `Origin`, `X-Request-ID`,
`Access-Control-Request-Method`) sent twice cannot be combined: the reading names it in
`problem` and the edge answers 400. So does a `Host` missing from an HTTP/1.1 request
(RFC 9112 section 3.2).

To read another header, add a field to `RequestHeaders` and its name to `_LISTS` or
`_SINGLES`; `read_headers` is the only code that reads `scope["headers"]` for them.
"""

from typing import Final, NamedTuple

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
    problem: str | None = None
    """Why the request's header section is refused (a 400), or None."""


# Field name -> position in RequestHeaders. Lists are combined, singles may come once.
_FIELDS: Final = RequestHeaders._fields
_LISTS: Final = {
    b"accept": _FIELDS.index("accept"),
    b"accept-language": _FIELDS.index("accept_language"),
    b"accept-encoding": _FIELDS.index("accept_encoding"),
    b"if-none-match": _FIELDS.index("if_none_match"),
    b"access-control-request-headers": _FIELDS.index("cors_headers"),
}
_SINGLES: Final = {
    b"host": _FIELDS.index("host"),
    b"if-modified-since": _FIELDS.index("if_modified_since"),
    b"origin": _FIELDS.index("origin"),
    b"x-request-id": _FIELDS.index("request_id"),
    b"access-control-request-method": _FIELDS.index("cors_method"),
}
_READ: Final = {**{name: True for name in _LISTS}, **{name: False for name in _SINGLES}}
_TEXT: Final = frozenset(
    _FIELDS.index(name) for name in ("accept", "accept_language", "accept_encoding")
)
_HOST: Final = _FIELDS.index("host")
_EMPTY: Final = RequestHeaders()


def read_headers(scope: Scope) -> RequestHeaders:
    """The reading of `scope`'s headers (see the module's docstring)."""
    found: dict[bytes, bytes] | None = None
    problem = refused = None
    for name, value in scope["headers"]:
        combined = _READ.get(name)
        if combined is None:
            continue
        if found is None:
            found = {name: value}
            continue
        earlier = found.get(name)
        if earlier is None:
            found[name] = value
        elif combined:
            found[name] = earlier + b", " + value
        elif problem is None:
            problem = f"The {name.decode().title()} header may be sent only once."
            refused = name
    if found is None:
        values: list[str | bytes | None] = list(_EMPTY)
    else:
        values = [None] * len(_FIELDS)
        for name, value in found.items():
            position = _LISTS.get(name)
            if position is None:
                position = _SINGLES[name]
            values[position] = value.decode("latin-1") if position in _TEXT else value
        if refused is not None:  # neither line is used: no request id, no origin, ...
            values[_SINGLES[refused]] = None
    if values[_HOST] is None and problem is None and scope.get("http_version") == "1.1":
        problem = "An HTTP/1.1 request must carry a Host header."
    values[-1] = problem
    return RequestHeaders(*values)  # type: ignore[arg-type]


def request_headers(scope: Scope) -> RequestHeaders:
    """The reading the edge made for this request (made here if no edge ran, as in a test
    of one layer alone)."""
    state = scope.setdefault("state", {})
    reading: RequestHeaders | None = state.get(STATE_KEY)
    if reading is None:
        reading = state[STATE_KEY] = read_headers(scope)
    return reading
