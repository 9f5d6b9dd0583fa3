"""The ceiling for the benchmark: bare Starlette returning pre-serialised bytes.

`BENCH_BODIES` names a folder of `<n>.body` / `<n>.headers` files written by bench.py;
route `/<n>` answers that body (or, for a `304` status file, an empty 304) and nothing else.
"""

import json
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def _route(folder: Path, name: str) -> Route:
    body = (folder / f"{name}.body").read_bytes()
    meta = json.loads((folder / f"{name}.json").read_text())

    async def endpoint(_request: Request) -> Response:
        return Response(body, status_code=meta["status"], headers=meta["headers"])

    return Route(f"/{name}", endpoint)


_folder = Path(os.environ.get("BENCH_BODIES", "."))
app = Starlette(routes=[_route(_folder, p.stem) for p in sorted(_folder.glob("*.body"))])
