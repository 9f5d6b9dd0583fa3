"""The ceiling for the benchmark: bare Starlette answering pre-captured bytes.

    BENCH_BODIES=/folder uvicorn scripts.bench_ceiling:app

`BENCH_BODIES` names a folder of `<name>.body` / `<name>.json` pairs written by
`scripts/bench.py`: the body, and `{"status": int, "headers": [[name, value], ...]}` as the
real app sent them (without content-length, date and server, which uvicorn and Starlette
add here as they do there). Route `/<name>` answers exactly that, whatever the query
string or request headers, so a load generator can send the ceiling the very requests it
sends the app.
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
    status = int(meta["status"])
    headers = [
        (str(key).lower().encode("latin-1"), str(value).encode("latin-1"))
        for key, value in meta["headers"]
    ]

    async def endpoint(_request: Request) -> Response:
        response = Response(body, status_code=status)
        response.raw_headers.extend(headers)
        return response

    return Route(f"/{name}", endpoint)


_folder = Path(os.environ.get("BENCH_BODIES", "."))
app = Starlette(routes=[_route(_folder, p.stem) for p in sorted(_folder.glob("*.body"))])
