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


@router.get("/docs")
async def swagger_ui(request: Request) -> Response:
    body = (
        html_head(request, f"{request.app.title} - Swagger UI", "swagger-ui.css")
        + f'<body><div id="swagger-ui" data-openapi-url="{escape(_openapi_url(request))}">'
        "</div>"
        f'<script src="{escape(asset_url(request, "swagger-ui-bundle.js"))}"></script>'
        f'<script src="{escape(asset_url(request, "swagger-init.js"))}"></script>'
        "</body></html>"
    )
    return html_page(body, csp=SWAGGER_CSP)


@router.get("/redoc")
async def redoc(request: Request) -> Response:
    body = (
        html_head(request, f"{request.app.title} - ReDoc", "site.css")
        + f'<body class="redoc"><div id="redoc" data-spec-url="{escape(_openapi_url(request))}">'
        "</div>"
        f'<script src="{escape(asset_url(request, "redoc.standalone.js"))}"></script>'
        f'<script src="{escape(asset_url(request, "redoc-init.js"))}"></script>'
        "</body></html>"
    )
    return html_page(body, csp=REDOC_CSP)
