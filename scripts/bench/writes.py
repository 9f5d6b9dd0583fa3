"""Writes under measurement: what a maintainer's `PATCH` costs, and what a burst of writes
does to the reads served beside it.

- **A write's p50**: sequential `PATCH`es of one record's `reviewed` (each `If-Match` the
  ETag the previous answer gave), from the request to the answer, which comes once the
  writing process serves the new version (its snapshot rebuilt: `Maintainer.catch_up`).
- **Reads during writes**: reader threads read a detail and a list for as long as 100
  writes take, paced to 10 s; the read p99 over that window. The readers are this
  process's threads (client-side latency, Python client included), so the figure is an
  upper bound of what the server adds.
"""

import statistics
import threading
import time
from dataclasses import dataclass

import httpx
from sqlalchemy import Engine

from scripts.bench.servers import app_server

WRITES = 100
WRITE_SECONDS = 10.0
SEQUENTIAL = 30
READERS = 4
READ_PATHS = ("/v1/members/KZ", "/v1/members?limit=50")


@dataclass(frozen=True)
class WriteFigures:
    write_p50_ms: float
    write_p90_ms: float
    burst_writes: int
    burst_seconds: float
    read_p99_ms: float
    read_p50_ms: float
    reads: int

    def lines(self) -> list[str]:
        return [
            f"a write (PATCH, answered once served): p50 {self.write_p50_ms:6.1f} ms, "
            f"p90 {self.write_p90_ms:6.1f} ms (target p50 < 50 ms on PostgreSQL)",
            f"{self.burst_writes} writes in {self.burst_seconds:.1f} s with {READERS} readers: "
            f"read p50 {self.read_p50_ms:.1f} ms, p99 {self.read_p99_ms:.1f} ms over "
            f"{self.reads} reads (target p99 < 25 ms)",
        ]


def measure_writes(database_url: str) -> WriteFigures:
    from app.core.config import Settings
    from app.core.db import build_engine

    server = app_server("app (writes)", database_url, cache=True)
    try:
        server.start()
        engine = build_engine(Settings(database_url=database_url))
        key = _key(engine)
        engine.dispose()
        base = server.base
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            path = "/v1/officials/" + client.get("/v1/officials").json()["data"][0]["id"]
            tag = client.get(path).headers["etag"]
            latencies, tag = _writes(client, path, tag, SEQUENTIAL, pace=0.0)
            stop = threading.Event()
            reads: list[float] = []
            readers = [
                threading.Thread(target=_read, args=(base, stop, reads)) for _ in range(READERS)
            ]
            for reader in readers:
                reader.start()
            time.sleep(0.5)
            reads.clear()
            began = time.monotonic()
            _, tag = _writes(client, path, tag, WRITES, pace=WRITE_SECONDS / WRITES)
            burst = time.monotonic() - began
            during = list(reads)
            stop.set()
            for reader in readers:
                reader.join()
    finally:
        server.stop()
    ordered = sorted(during)
    return WriteFigures(
        write_p50_ms=statistics.median(latencies) * 1000,
        write_p90_ms=sorted(latencies)[int(len(latencies) * 0.9)] * 1000,
        burst_writes=WRITES,
        burst_seconds=burst,
        read_p99_ms=ordered[int(len(ordered) * 0.99)] * 1000 if ordered else float("nan"),
        read_p50_ms=statistics.median(ordered) * 1000 if ordered else float("nan"),
        reads=len(ordered),
    )


def _key(engine: Engine) -> str:
    from app.models.base import utc_now
    from app.services.api_keys import create_key

    name = f"bench-{int(time.time() * 1000)}"
    return create_key(engine, name=name, scope="write", expires_at=None, now=utc_now()).key


def _writes(
    client: httpx.Client, path: str, tag: str, count: int, *, pace: float
) -> tuple[list[float], str]:
    latencies: list[float] = []
    start = time.monotonic()
    for number in range(count):
        day = f"2025-{number % 12 + 1:02d}-{number % 28 + 1:02d}"
        began = time.perf_counter()
        response = client.patch(
            path,
            params={"summary": "benchmark"},
            headers={"If-Match": tag, "Content-Type": "application/merge-patch+json"},
            content=f'{{"reviewed": "{day}"}}',
        )
        latencies.append(time.perf_counter() - began)
        if response.status_code != 200:
            raise RuntimeError(f"write {number}: {response.status_code} {response.text[:200]}")
        tag = response.headers["etag"]
        if pace:
            wait = start + (number + 1) * pace - time.monotonic()
            if wait > 0:
                time.sleep(wait)
    return latencies, tag


def _read(base: str, stop: threading.Event, reads: list[float]) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        turn = 0
        while not stop.is_set():
            began = time.perf_counter()
            client.get(READ_PATHS[turn % len(READ_PATHS)])
            reads.append(time.perf_counter() - began)
            turn += 1


if __name__ == "__main__":
    import sys
    import tempfile
    from contextlib import ExitStack
    from pathlib import Path

    from scripts.bench.database import database

    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        url, label = stack.enter_context(
            database(sys.argv[1] if len(sys.argv) > 1 else None, Path(tmp))
        )
        print(f"database: {label}")
        for line in measure_writes(url).lines():
            print(line)
