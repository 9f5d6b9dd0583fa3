"""What the HTML pages outside `/v1` share: their security headers, `Accept` negotiation
between a few media types, and a response whose strong `ETag` is its body's digest (the
HTTP layer answers `HEAD`, `If-None-Match` and `If-Modified-Since` from it)."""

import hashlib
from collections.abc import Mapping, Sequence
from html import escape

from fastapi import Request, Response

from app.api.assets import asset_url
from app.core.errors import NotAcceptable

PAGE_CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"

# Directives every page shares. Every fetch directive defaults to nothing, so a page that
# tried to load anything from another origin (a CDN, fonts, a favicon) is blocked, and the
# browser test sees the violation in the console.
_CSP_BASE = (
    "default-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "img-src 'self' data:",
)


def content_security_policy(*directives: str) -> str:
    return "; ".join((*_CSP_BASE, *directives))


def negotiate(accept: str | None, offers: Sequence[str]) -> str:
    """The offered media type `Accept` ranks highest (RFC 9110 12.5.1: the most specific
    matching range gives an offer its quality; ties go to the earlier offer); the first
    offer when `Accept` is absent; 406 when it admits none."""
    if accept is None:
        return offers[0]
    ranges: dict[str, float] = {}
    for part in accept[:512].split(",")[:16]:
        media, _, params = part.partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.setdefault(media.strip().lower(), quality)
    best, best_quality = None, 0.0
    for offer in offers:
        kind = offer.split("/", 1)[0]
        for media_range in (offer, f"{kind}/*", "*/*"):
            if media_range in ranges:
                if ranges[media_range] > best_quality:
                    best, best_quality = offer, ranges[media_range]
                break
    if best is None:
        raise NotAcceptable(f"This page is served as {', '.join(offers)}.")
    return best


def page(
    body: bytes,
    media_type: str,
    *,
    headers: Mapping[str, str] | None = None,
    cache_control: str = PAGE_CACHE_CONTROL,
) -> Response:
    digest = hashlib.sha256(body).hexdigest()[:32]
    return Response(
        body,
        media_type=media_type,
        headers={"ETag": f'"{digest}"', "Cache-Control": cache_control, **(headers or {})},
    )


def html_page(body: str, *, csp: str, vary: bool = False) -> Response:
    """An HTML page under its Content-Security-Policy; `vary` when it was negotiated."""
    headers = {"Content-Security-Policy": csp, "Cross-Origin-Opener-Policy": "same-origin"}
    if vary:
        headers["Vary"] = "Accept"
    return page(body.encode(), "text/html; charset=utf-8", headers=headers)


def href(request: Request, path: str) -> str:
    """`path` under the app's root path, escaped for an HTML attribute."""
    return escape(f"{request.scope.get('root_path', '')}{path}")


def html_head(request: Request, title: str, *stylesheets: str) -> str:
    """The document up to `<body>`: title, the served favicon, the served stylesheets."""
    links = "".join(
        f'<link rel="stylesheet" href="{escape(asset_url(request, name))}">' for name in stylesheets
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        f'<link rel="icon" type="image/png" href="{escape(asset_url(request, "favicon.png"))}">'
        f"{links}</head>"
    )
