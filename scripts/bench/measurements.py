"""Measurements beside the load runs: a fresh process's memory under unique 8 KB headers,
and the snapshot's build time and size (start-up times are `Server.start()`'s)."""

import gc
import http.client
import importlib
import itertools
import json
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from scripts.bench.servers import PIN_SERVER, PRIORITY, ROOT, Server, get, spawn

MEMORY_PATHS = (
    "/v1/members?limit=30",
    "/v1/members/KZ",
    "/v1/members/CN",
    "/v1/observers",
    "/v1/councils",
)
MEMORY_GROWTH_LIMIT_MB = 20.0
SNAPSHOT_LIMIT_MS = 100.0


@dataclass
class MemoryFigures:
    rss_ready_mib: float
    rss_before_mib: float
    rss_after_mib: float
    statuses: Counter[str]
    seconds: float

    @property
    def growth_mb(self) -> float:
        return (self.rss_after_mib - self.rss_before_mib) * 1024 * 1024 / 1e6


def header_flood(
    server: Server, *, requests: int, connections: int = 4, size: int = 8192
) -> MemoryFigures:
    """RSS of a fresh process, warmed with one ordinary request per route, before and after
    `requests` requests, each with a new `size`-byte Accept-Language and Accept."""
    ready = server.rss_mib()
    for path in MEMORY_PATHS:
        get(server.port, path)
    before = server.rss_mib()
    statuses: Counter[str] = Counter()
    counter = itertools.count()
    lock = threading.Lock()

    def headers(n: int) -> dict[str, str]:
        language = f"en-US,en;q=0.9,x-{n:08x}-"
        accept = f"application/json, application/x-{n:08x}-"
        return {
            "Accept-Language": language + "a" * (size - len(language)),
            "Accept": accept + "b" * (size - len(accept)),
        }

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        while (n := next(counter)) < requests:
            try:
                connection.request("GET", MEMORY_PATHS[n % len(MEMORY_PATHS)], headers=headers(n))
                response = connection.getresponse()
                response.read()
                outcome = str(response.status)
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException) as exc:
                outcome = type(exc).__name__
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            with lock:
                statuses[outcome] += 1
        connection.close()

    began = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - began
    return MemoryFigures(ready, before, server.rss_mib(), statuses, seconds)


@dataclass
class SnapshotFigures:
    builds_ms: list[float] = field(default_factory=list)
    retained_mib: float = float("nan")
    problem: str = ""

    @property
    def median_ms(self) -> float:
        return statistics.median(self.builds_ms) if self.builds_ms else float("nan")


def measure_snapshot(database_url: str, builds: int) -> SnapshotFigures:
    """Time `build_snapshot(engine, COLLECTIONS)` in this process and weigh one snapshot (tracemalloc:
    the traced memory still allocated, after a gc.collect(), while one snapshot is held,
    minus the same before it was built; the timed builds run first, so SQLAlchemy's caches
    and the connection pool are already warm)."""
    try:
        module = importlib.import_module("app.core.snapshot")
    except ModuleNotFoundError as exc:
        if exc.name == "app.core.snapshot":
            return SnapshotFigures(problem="not available (app.core.snapshot missing)")
        return SnapshotFigures(problem=f"not importable: {type(exc).__name__}: {exc}")
    except Exception as exc:
        return SnapshotFigures(problem=f"not importable: {type(exc).__name__}: {exc}")
    build: Callable[..., object] | None = getattr(module, "build_snapshot", None)
    if build is None:
        return SnapshotFigures(problem="not available (app.core.snapshot has no build_snapshot)")

    from app.core.config import Settings
    from app.core.db import build_engine
    from app.registry import COLLECTIONS

    engine = build_engine(Settings(database_url=database_url))
    figures = SnapshotFigures()
    try:
        for _ in range(builds):
            began = time.perf_counter()
            snapshot = build(engine, COLLECTIONS)
            figures.builds_ms.append((time.perf_counter() - began) * 1000)
            del snapshot
        gc.collect()
        tracemalloc.start()
        try:
            gc.collect()
            before = tracemalloc.get_traced_memory()[0]
            snapshot = build(engine, COLLECTIONS)
            gc.collect()
            after = tracemalloc.get_traced_memory()[0]
            del snapshot
        finally:
            tracemalloc.stop()
        figures.retained_mib = (after - before) / 2**20
    except Exception as exc:
        figures.problem = f"build_snapshot failed: {type(exc).__name__}: {exc}"
    finally:
        engine.dispose()
    return figures


def snapshot_in_child(database_url: str, builds: int) -> SnapshotFigures:
    """`measure_snapshot` in a fresh Python process pinned and prioritised like a server, so
    the figures are neither disturbed by this process's heap nor by other load."""
    command = [
        *PRIORITY,
        *PIN_SERVER,
        sys.executable,
        "-m",
        "scripts.bench",
        "--measure-snapshot",
        database_url,
        "--snapshot-builds",
        str(builds),
    ]
    process = spawn(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        start_new_session=bool(PRIORITY),
    )
    try:
        out, err = process.communicate(timeout=900)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    lines = out.decode(errors="replace").strip().splitlines()
    try:
        return SnapshotFigures(**json.loads(lines[-1]))
    except (IndexError, ValueError, TypeError):
        tail = err.decode(errors="replace").strip()[-500:]
        return SnapshotFigures(problem=f"measurement process failed ({process.returncode}): {tail}")
