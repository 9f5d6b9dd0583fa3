"""The bare-Starlette ceiling (`scripts/bench_ceiling.py`): how it is served (with the
options `cica-api serve` uses) and the app's answers it replays, captured once."""

import json
import os
import sys
from pathlib import Path

from app.cli import EVENT_LOOP, HTTP_PARSER
from app.core.server import cli_options as server_cli_options
from scripts.bench.scenarios import (
    AS_OF,
    CACHE_OFF,
    CACHE_ON,
    LIST,
    SCENARIOS,
    date_at,
    request_at,
    resolve,
)
from scripts.bench.servers import Server, get
from scripts.load_test import free_port


def ceiling_server(folder: Path) -> Server:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "scripts.bench_ceiling:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        *CEILING_SERVER_OPTIONS,
    ]
    env = {**os.environ, "BENCH_BODIES": str(folder)}
    return Server("ceiling", command, env, port, f"/{SCENARIOS[0].key}")


CEILING_SERVER_OPTIONS = [
    # What `cica-api serve` runs uvicorn with (app/cli.py), so the ratio compares the app
    # with bare Starlette on the very same server, loop, HTTP parser and limits.
    "--loop",
    EVENT_LOOP,
    *server_cli_options(),
    "--no-access-log",
    "--no-server-header",
    "--no-proxy-headers",
]


def http_parser() -> str:
    """The HTTP parser both servers run, and its header-size limit."""
    if HTTP_PARSER == "httptools":
        return "httptools, with app.core.server's limits on headers, time and connections"
    return f"{HTTP_PARSER} (h11_max_incomplete_event_size: 16 KiB of request head by default)"


def capture(servers: dict[str, Server], folder: Path) -> tuple[str, dict[str, str]]:
    """Fetch each scenario once from its app; write its bytes for the ceiling.

    Returns the ETag of the list (for `If-None-Match`) and, per scenario, a short note of
    what was captured. For `as-of` the body kept is the median-sized of 21 dates of the walk;
    for the unique-language scenarios, one new Accept-Language value."""
    on = servers[CACHE_ON].port
    status, headers, _ = get(on, LIST)
    etag = dict((k.lower(), v) for k, v in headers).get("etag", "")
    if status != 200 or not etag:
        raise RuntimeError(f"{LIST}: status {status}, ETag {etag!r}")
    sizes = sorted(
        (len(get(servers[CACHE_OFF].port, AS_OF + date_at(0, n))[2]), date_at(0, n))
        for n in range(21)
    )
    as_of_date = sizes[len(sizes) // 2][1]
    notes = {}
    for scenario in SCENARIOS:
        plan = resolve(scenario.plan, etag)
        path, sent = request_at(plan, 0, start=0, nonce="capture")
        if plan.dates:
            path = plan.path + as_of_date
        status, headers, body = get(servers[scenario.server].port, path, sent)
        if status != scenario.status:
            raise RuntimeError(f"{scenario.title}: {path} answered {status}, not {scenario.status}")
        kept = [[k, v] for k, v in headers if k.lower() not in {"content-length", "date", "server"}]
        (folder / f"{scenario.key}.body").write_bytes(body)
        (folder / f"{scenario.key}.json").write_text(
            json.dumps({"status": status, "headers": kept})
        )
        notes[scenario.key] = f"{path} -> {status}, {len(body)} bytes"
    return etag, notes
