"""What metrics and the access log cost per request, measured in process (no network).

    python -m scripts.observability_cost [--requests 20000] [--rounds 7]

Calls the app's ASGI entry directly, the way uvicorn does, for three hot reads (a cache hit,
its 304, and a detail with the cache off), with `CICA_METRICS` and `CICA_ACCESS_LOG` both
on and both off, rounds interleaved so drift hits both alike. The access lines go through
the real buffered writer into /dev/null. Prints the median microseconds per request and
the difference; a network benchmark (`python -m scripts.bench`) divides the same work by
the server's whole per-request cost, so this difference is the upper bound of what turning
observability on can take away.
"""

import argparse
import asyncio
import contextlib
import os
import statistics
import tempfile
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from app.core import logging as app_logging
from app.core.config import Settings
from app.core.db import build_engine
from app.core.migrations import upgrade_to_head
from app.main import create_app

Scenario = tuple[str, str, str, list[tuple[bytes, bytes]], bool]


def _scope(path: str, query: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }


async def _run(app: Any, scope: dict[str, Any], count: int) -> tuple[float, int]:
    status = 0

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    started = time.perf_counter()
    for _ in range(count):
        await app(dict(scope, state={}), _receive, send)
    return (time.perf_counter() - started) / count * 1e6, status


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _etag(app: Any, scope: dict[str, Any]) -> bytes:
    found: list[bytes] = []

    async def grab(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            found.append(dict(message["headers"])[b"etag"])

    await app(dict(scope, state={}), _receive, grab)
    return found[0]


async def main_async(requests: int, rounds: int) -> None:
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder / 'cost.db'}"
    engine = build_engine(Settings(database_url=url))
    upgrade_to_head(engine)
    from seed.loader import load

    load(engine)
    engine.dispose()
    app_logging.STDOUT.stream = open(os.devnull, "wb")
    apps: dict[tuple[bool, bool], Any] = {}
    async with contextlib.AsyncExitStack() as stack:
        for cache in (True, False):
            for observed in (True, False):
                settings = Settings(
                    database_url=url,
                    version_poll_seconds=3600,
                    metrics=observed,
                    access_log=observed,
                    cache_max_bytes=64 * 1024 * 1024 if cache else 0,
                )
                app = apps[(cache, observed)] = create_app(settings)
                await stack.enter_async_context(app.router.lifespan_context(app))
        etag = await _etag(apps[(True, False)], _scope("/v1/members", "limit=30", []))
        scenarios: list[Scenario] = [
            ("cache hit", "/v1/members", "limit=30", [], True),
            ("cache hit 304", "/v1/members", "limit=30", [(b"if-none-match", etag)], True),
            ("detail, cache off", "/v1/members/KZ", "", [], False),
        ]
        results: dict[tuple[str, bool], list[float]] = {}
        for round_number in range(rounds):
            order = (True, False) if round_number % 2 == 0 else (False, True)
            for name, path, query, extra, cache in scenarios:
                for observed in order:
                    app = apps[(cache, observed)]
                    scope = _scope(path, query, extra)
                    await _run(app, scope, 200)  # warm
                    micros, status = await _run(app, scope, requests)
                    assert status in (200, 304), status
                    results.setdefault((name, observed), []).append(micros)
    print(f"{'scenario':20} {'off us/req':>11} {'on us/req':>10} {'cost us':>8} {'off/on':>7}")
    for name, *_ in scenarios:
        on = statistics.median(results[(name, True)])
        off = statistics.median(results[(name, False)])
        print(f"{name:20} {off:11.1f} {on:10.1f} {on - off:8.1f} {off / on:7.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(main_async(args.requests, args.rounds))


if __name__ == "__main__":
    main()
