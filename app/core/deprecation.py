"""Deprecating a route within v1: `deprecated: true` in OpenAPI, and on every
representation the route answers (200, 304, HEAD, cache hits) the `Deprecation` header
(RFC 9745: `@<unix seconds>`), the `Sunset` header (RFC 8594: an HTTP-date) and a
`Link: <...>; rel="deprecation"` to the notice.

A collection is deprecated by giving its registry `Docs` a `Deprecation`; any other route
by wrapping its handler with `deprecated(...)` and passing `deprecated=True` to the route.
The headers are computed once per route; a deprecated route is never removed before its
sunset, and then only in a new major version (see CHANGELOG.md).
"""

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import format_datetime
from typing import Any

from fastapi import Request, Response

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Deprecation:
    since: dt.date
    """The day the route was deprecated (it may lie in the future: announced ahead)."""
    sunset: dt.date | None = None
    """The first day the route may stop answering."""
    link: str | None = None
    """Where the deprecation is explained: a path under `CICA_PUBLIC_URL` or a full URL."""

    def __post_init__(self) -> None:
        if self.sunset is not None and self.sunset < self.since:
            raise ValueError("a route cannot be sunset before it is deprecated")

    def headers(self) -> dict[str, str]:
        """`Deprecation` and `Sunset`, the same on every response of the route."""
        headers = {"Deprecation": f"@{_epoch(self.since)}"}
        if self.sunset is not None:
            headers["Sunset"] = format_datetime(_midnight(self.sunset), usegmt=True)
        return headers

    def describe(self) -> str:
        """The sentence the OpenAPI description starts with."""
        text = f"**Deprecated** since {self.since.isoformat()}"
        if self.sunset is not None:
            text += f"; it may stop answering from {self.sunset.isoformat()}"
        if self.link is not None:
            text += f" (see <{self.link}>)"
        return text + "."


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _epoch(day: dt.date) -> int:
    return int(_midnight(day).timestamp())


def deprecated(handler: Handler, notice: Deprecation) -> Handler:
    """`handler` with the deprecation headers on its responses."""
    static = notice.headers()
    link = notice.link

    async def route(request: Request) -> Response:
        response = await handler(request)
        response.headers.update(static)
        if link is not None:
            target = link if "://" in link else request.app.state.site.public_url + link
            response.headers.append("Link", f'<{target}>; rel="deprecation"')
        return response

    return route


def openapi_headers(notice: Deprecation | None) -> dict[str, Any]:
    """The response headers a deprecated route documents (none for another route)."""
    if notice is None:
        return {}
    headers: dict[str, Any] = {
        "Deprecation": {
            "description": "RFC 9745: when this route was deprecated (`@` Unix seconds).",
            "schema": {"type": "string", "examples": [f"@{_epoch(notice.since)}"]},
        }
    }
    if notice.sunset is not None:
        headers["Sunset"] = {
            "description": "RFC 8594: from when this route may stop answering.",
            "schema": {"type": "string", "examples": [notice.headers()["Sunset"]]},
        }
    if notice.link is not None:
        headers["Link"] = {
            "description": 'Includes `rel="deprecation"`: where the deprecation is explained.',
            "schema": {"type": "string"},
        }
    return headers
