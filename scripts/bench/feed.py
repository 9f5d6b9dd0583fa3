"""The change feed at scale: 100,000 entries must neither grow a serving process's memory
(the feed is read from the database in pages, not held in the snapshot) nor slow a page.

    python -m scripts.bench.feed [--postgres-url URL] [--entries 100000]

(also run by `python -m scripts.bench`, on its database, after the HTTP runs).

Two fresh processes serve the same database through the app (in-process client): the
first before the entries are added, the second after; each loads its snapshot, serves
feed pages, and reports its resident memory. The second also times feed pages as a
follower reads them (`after=<id>`, at random depths) and as a client filtering by
`since=` and `collection=` does: p99 of each.
"""

import argparse
import contextlib
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.bench.report import Criterion

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT_MB = 20.0
P99_LIMIT_MS = 25.0
PAGES = 400
CHUNK = 10_000


def _rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(url: str, pages: int) -> dict[str, float]:
    """In this (fresh) process: serve the feed from `url`, report memory and page times."""
    from fastapi.testclient import TestClient

    from app.core.config import Settings
    from app.main import create_app

    app = create_app(Settings(database_url=url, seed_empty=False, version_poll_seconds=3600))
    with TestClient(app, base_url="http://bench.test") as client:
        first = client.get("/v1/changes?limit=1").json()
        last = client.get("/v1/changes?sort=-id&limit=1").json()
        total = first["meta"]["total"]
        low, high = first["data"][0]["id"], last["data"][0]["id"]
        collections = sorted({c["collection"] for c in client.get("/v1/changes").json()["data"]})
        for _ in range(50):  # warm up
            client.get(f"/v1/changes?after={random.randint(low, high)}")
        gc.collect()
        rss = _rss_mib()
        follower, filtered = [], []
        for _ in range(pages):
            started = time.perf_counter()
            response = client.get(f"/v1/changes?after={random.randint(low, high)}&limit=50")
            follower.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
            since = random.randint(0, max(first["meta"]["dataset_version"] - 1, 0))
            started = time.perf_counter()
            response = client.get(
                f"/v1/changes?since={since}&collection={random.choice(collections)}&limit=50"
            )
            filtered.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
    return {
        "entries": total,
        "rss_mib": rss,
        "follower_p99_ms": _p99(follower),
        "follower_p50_ms": statistics.median(follower),
        "filtered_p99_ms": _p99(filtered),
    }


def _p99(samples: list[float]) -> float:
    return sorted(samples)[int(len(samples) * 0.99) - 1]


def _in_child(url: str, pages: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "scripts.bench.feed", "--measure", url, "--pages", str(pages)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    ).stdout
    figures: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return figures


def add_entries(url: str, count: int) -> None:
    """`count` feed entries (and their revisions' numbers) at the current dataset version,
    as if as many records had changed: inserted in chunks, the way a long history builds."""
    from sqlalchemy import insert, select
    from sqlmodel import col

    from app.core.config import Settings
    from app.core.db import build_engine
    from app.models import Change, DatasetVersion
    from app.models.base import utc_now

    engine = build_engine(Settings(database_url=url))
    try:
        with engine.begin() as connection:
            version = connection.execute(select(col(DatasetVersion.version))).scalar_one()
            now = utc_now()
            collections = ["members", "meetings", "sources", "councils", "officials"]
            for start in range(0, count, CHUNK):
                connection.execute(
                    insert(Change),
                    [
                        {
                            "version": version,
                            "changed_at": now,
                            "collection": collections[n % len(collections)],
                            "record_id": f"bench-{n}",
                            "action": "updated",
                            "fields": ["history", "sources"],
                            "revision": 1 + n // 1000,
                        }
                        for n in range(start, min(start + CHUNK, count))
                    ],
                )
        if engine.dialect.name == "postgresql":
            # What autovacuum does after so many inserts: the planner's row counts.
            with engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE changes")
    finally:
        engine.dispose()


def feed_criteria(url: str, entries: int = 100_000, pages: int = PAGES) -> list[Criterion]:
    """Measure before and after adding `entries` to the feed of the (seeded) database at
    `url`; print the figures and return the criteria."""
    before = _in_child(url, pages)
    started = time.perf_counter()
    add_entries(url, entries)
    added = time.perf_counter() - started
    after = _in_child(url, pages)
    growth = (after["rss_mib"] - before["rss_mib"]) * 2**20 / 1e6
    print(
        f"change feed: {before['entries']:.0f} entries -> {after['entries']:.0f} "
        f"({entries} added in {added:.1f} s); resident memory of a serving process "
        f"{before['rss_mib']:.1f} MiB -> {after['rss_mib']:.1f} MiB ({growth:+.1f} MB); "
        f"a follower's page (after=, limit=50) p50 {after['follower_p50_ms']:.1f} ms, "
        f"p99 {after['follower_p99_ms']:.1f} ms (before: {before['follower_p99_ms']:.1f} ms); "
        f"filtered page (since=, collection=) p99 {after['filtered_p99_ms']:.1f} ms"
    )
    worst = max(after["follower_p99_ms"], after["filtered_p99_ms"])
    return [
        Criterion(
            f"{entries:,} feed entries: memory within {MEMORY_LIMIT_MB:g} MB",
            growth < MEMORY_LIMIT_MB,
            f"{growth:+.1f} MB",
        ),
        Criterion(
            f"feed page p99 under {P99_LIMIT_MS:g} ms with {after['entries']:,.0f} entries",
            worst < P99_LIMIT_MS,
            f"follower {after['follower_p99_ms']:.1f} ms, filtered "
            f"{after['filtered_p99_ms']:.1f} ms",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.feed", description=__doc__)
    parser.add_argument("--postgres-url", default=os.environ.get("CICA_BENCH_POSTGRES_URL"))
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=PAGES)
    parser.add_argument("--measure", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.pages)))
        return 0
    from app.core.config import Settings
    from app.core.db import build_engine
    from app.core.migrations import upgrade_to_head
    from scripts.bench.database import database
    from scripts.bench.report import print_criteria
    from seed.loader import load

    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        url, label = stack.enter_context(database(args.postgres_url, Path(tmp)))
        print(f"database: {label}")
        engine = build_engine(Settings(database_url=url))
        upgrade_to_head(engine)
        load(engine)
        engine.dispose()
        print_criteria(feed_criteria(url, args.entries, args.pages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
