"""`/docs` (Swagger UI) and `/redoc`, working with no internet access.

Every file either page loads is served by this process (`app.api.assets`), and each page's
Content-Security-Policy allows nothing else: no CDN, font service or remote favicon.
Both start from a served script (`app/api/static/*-init.js`) rather than an inline one, so
neither policy allows inline scripts; ReDoc inserts its styles at run time and runs its
search in a worker made from a `blob:` URL, which its policy allows and nothing more.
"""

from html import escape

from fastapi import APIRouter, Request, Response

from app.api.assets import asset_url
from app.api.pages import content_security_policy, html_head, html_page

router = APIRouter(include_in_schema=False)

SWAGGER_CSP = content_security_policy("script-src 'self'", "style-src 'self'", "connect-src 'self'")
REDOC_CSP = content_security_policy(
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "connect-src 'self'",
    "worker-src blob:",
)


def _openapi_url(request: Request) -> str:
    return f"{request.scope.get('root_path', '')}{request.app.openapi_url}"


def _viewer(request: Request, title: str, stylesheet: str, body: str, *scripts: str) -> str:
    """A page of one element that the served `scripts` fill in."""
    tags = "".join(f'<script src="{escape(asset_url(request, s))}"></script>' for s in scripts)
    head = html_head(request, f"{request.app.title} - {title}", stylesheet)
    return f"{head}{body.removesuffix('</body>')}{tags}</body></html>"


@router.get("/docs")
async def swagger_ui(request: Request) -> Response:
    spec = escape(_openapi_url(request))
    body = f'<body><div id="swagger-ui" data-openapi-url="{spec}"></div></body>'
    page = _viewer(
        request, "Swagger UI", "swagger-ui.css", body, "swagger-ui-bundle.js", "swagger-init.js"
    )
    return html_page(page, csp=SWAGGER_CSP)


@router.get("/redoc")
async def redoc(request: Request) -> Response:
    spec = escape(_openapi_url(request))
    body = f'<body class="redoc"><div id="redoc" data-spec-url="{spec}"></div></body>'
    page = _viewer(request, "ReDoc", "site.css", body, "redoc.standalone.js", "redoc-init.js")
    return html_page(page, csp=REDOC_CSP)
