"""The landing page at `/` and the changelog at `/changelog`, outside the `/v1` contract.

`/` says what the API is and links everything a newcomer looks for; it answers HTML, or
JSON (absolute links from `CICA_PUBLIC_URL`) to `Accept: application/json`. `/changelog`
is `CHANGELOG.md`: HTML for a browser, the Markdown itself for everyone else.
"""

from functools import cache
from html import escape
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter, Request, Response
from markdown_it import MarkdownIt

from app.api.pages import content_security_policy, href, html_head, html_page, negotiate, page
from app.api.representation import site
from app.core.formats import render_json
from app.core.request_headers import request_headers

router = APIRouter(include_in_schema=False)

PAGE_CSP: Final = content_security_policy("style-src 'self'")
HTML: Final = "text/html"
JSON: Final = "application/json"
MARKDOWN: Final = "text/markdown"
# A wheel carries the changelog inside the package (see pyproject.toml); a checkout has it
# at the top of the repository.
CHANGELOG_PLACES: Final = (
    Path(__file__).parents[1] / "CHANGELOG.md",
    Path(__file__).parents[2] / "CHANGELOG.md",
)
# (name in the JSON form, path, what it is), in the order the page lists them.
LINKS: Final = (
    ("docs", "/docs", "Swagger UI: every operation, with a form to try it"),
    ("redoc", "/redoc", "ReDoc: the same reference, for reading"),
    ("openapi", "/openapi.json", "the OpenAPI document, to generate a client"),
    ("exports", "/v1/exports", "whole-dataset files (JSON, NDJSON, CSV) with their SHA-256"),
    ("changes", "/v1/changes", "the change feed: what changed since a dataset version"),
    ("search", "/v1/search?q=astana", "one search across every collection"),
    ("changelog", "/changelog", "what changed in the API, release by release"),
    ("health", "/healthz", "liveness probe"),
    ("readiness", "/readyz", "readiness probe: the database answers and the dataset is loaded"),
)
_markdown = MarkdownIt("commonmark", {"html": False})


@router.get("/")
async def landing(request: Request) -> Response:
    chosen = negotiate(request_headers(request.scope).accept, (HTML, JSON))
    if chosen == JSON:
        return page(
            render_json(_landing_document(request)),
            JSON,
            headers={"Vary": "Accept"},
        )
    return html_page(_landing_html(request), csp=PAGE_CSP, vary=True)


@router.get("/changelog")
def changelog(request: Request) -> Response:
    text = changelog_text()
    if negotiate(request_headers(request.scope).accept, (MARKDOWN, HTML)) == HTML:
        body = html_head(request, f"{request.app.title} - Changelog", "site.css") + (
            f'<body><p><a href="{href(request, "/")}">{escape(request.app.title)}</a></p>'
            f"{_markdown.render(text)}</body></html>"
        )
        return html_page(body, csp=PAGE_CSP, vary=True)
    return page(
        text.encode(),
        "text/markdown; charset=utf-8; variant=CommonMark",
        headers={"Vary": "Accept"},
    )


@cache
def changelog_text() -> str:
    for path in CHANGELOG_PLACES:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError(f"CHANGELOG.md is in none of {[str(p) for p in CHANGELOG_PLACES]}")


def _landing_document(request: Request) -> dict[str, Any]:
    base = site(request)
    return {
        "name": request.app.title,
        "version": request.app.version,
        "summary": request.app.summary,
        "links": {name: base.url(path) for name, path, _ in LINKS},
        "collections": [
            {
                "name": spec.name,
                "description": spec.docs.tag_description,
                "href": base.url(f"/v1/{spec.name}"),
            }
            for spec in request.app.state.collections
        ],
    }


def _landing_html(request: Request) -> str:
    api = request.app
    links = "".join(
        f'<dt><a href="{href(request, path)}">{escape(path)}</a></dt><dd>{escape(what)}</dd>'
        for _, path, what in LINKS
    )
    # A collection the page already links under "Start here" (the change feed) once only.
    linked = {path for _, path, _ in LINKS}
    collections = "".join(
        f'<dt><a href="{href(request, "/v1/" + spec.name)}">/v1/{escape(spec.name)}</a></dt>'
        f"<dd>{escape(spec.docs.tag_description)}</dd>"
        for spec in request.app.state.collections
        if f"/v1/{spec.name}" not in linked
    )
    return (
        html_head(request, api.title, "site.css")
        + f"<body><h1>{escape(api.title)} <small>{escape(api.version)}</small></h1>"
        f"{_markdown.render(api.description)}"
        f"<h2>Start here</h2><dl>{links}</dl>"
        f"<h2>Collections</h2><dl>{collections}</dl>"
        "</body></html>"
    )
