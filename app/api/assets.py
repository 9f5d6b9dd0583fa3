"""The files the documentation pages load, all served by this process.

Swagger UI, ReDoc and the favicon come from the `fastapi-offline` package (installed from
the lock file, never copied into this repository); the start-up scripts and the pages'
stylesheet are ours, in `app/api/static/`. Each file is read once, with a strong
`ETag` from its digest and a gzip copy for clients that accept it.
"""

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

import fastapi_offline
from fastapi import APIRouter, Request, Response

from app.core.errors import NotFound
from app.core.request_headers import request_headers

PACKAGED: Final = Path(fastapi_offline.__file__).parent / "static"
OURS: Final = Path(__file__).parent / "static"
ASSETS: Final[dict[str, tuple[Path, str]]] = {
    "swagger-ui-bundle.js": (PACKAGED / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (PACKAGED / "swagger-ui.css", "text/css"),
    "redoc.standalone.js": (PACKAGED / "redoc.standalone.js", "text/javascript"),
    "favicon.png": (PACKAGED / "favicon.png", "image/png"),
    "swagger-init.js": (OURS / "swagger-init.js", "text/javascript"),
    "redoc-init.js": (OURS / "redoc-init.js", "text/javascript"),
    "site.css": (OURS / "site.css", "text/css"),
}
# Short enough that a new release is picked up within minutes; revalidation is a 304.
ASSET_CACHE_CONTROL: Final = "public, max-age=3600"

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Asset:
    media_type: str
    body: bytes
    gzipped: bytes | None
    etag: str

    def response(self, accept_encoding: str | None) -> Response:
        headers = {"Cache-Control": ASSET_CACHE_CONTROL}
        if self.gzipped is not None:
            headers["Vary"] = "Accept-Encoding"
        if self.gzipped is not None and _accepts_gzip(accept_encoding):
            headers |= {"ETag": f'"{self.etag}-gzip"', "Content-Encoding": "gzip"}
            return Response(self.gzipped, media_type=self.media_type, headers=headers)
        headers["ETag"] = f'"{self.etag}"'
        return Response(self.body, media_type=self.media_type, headers=headers)


@cache
def asset(name: str) -> Asset:
    path, media_type = ASSETS[name]
    body = path.read_bytes()
    compressible = not media_type.startswith("image/")
    return Asset(
        media_type=media_type,
        body=body,
        gzipped=gzip.compress(body, compresslevel=6, mtime=0) if compressible else None,
        etag=hashlib.sha256(body).hexdigest()[:32],
    )


def asset_url(request: Request, name: str) -> str:
    return f"{request.scope.get('root_path', '')}/assets/{name}"


def _accepts_gzip(accept_encoding: str | None) -> bool:
    for part in (accept_encoding or "")[:512].split(","):
        coding, _, params = part.partition(";")
        if coding.strip().lower() == "gzip":
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


# Sync routes: the first request for a file reads and compresses it in a worker thread.
@router.get("/assets/{name}")
def get_asset(name: str, request: Request) -> Response:
    if name not in ASSETS:
        raise NotFound(f"No asset named {name!r}.")
    return asset(name).response(request_headers(request.scope).accept_encoding)


@router.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for it on every page that names no icon (`/openapi.json` too)."""
    return asset("favicon.png").response(None)
