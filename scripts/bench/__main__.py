"""`python -m scripts.bench`: the command line and the order of a run (see the package's
docstring for what it measures and why)."""

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import scripts.bench
from app.cli import EVENT_LOOP
from scripts.bench import rate_limits
from scripts.bench.ceiling import capture, ceiling_server, http_parser
from scripts.bench.database import database
from scripts.bench.feed import feed_criteria
from scripts.bench.measurements import (
    MemoryFigures,
    header_flood,
    measure_snapshot,
    snapshot_in_child,
)
from scripts.bench.report import (
    Criterion,
    memory_criterion,
    print_criteria,
    print_snapshot,
    print_table,
    scenario_criterion,
    snapshot_criterion,
)
from scripts.bench.rounds import run_rounds
from scripts.bench.scenarios import CACHE_OFF, CACHE_ON, SCENARIOS
from scripts.bench.servers import MULTI_CPU, PRIORITY, app_server
from scripts.bench.writes import measure_writes


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench",
        description=scripts.bench.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measured run")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CICA_BENCH_POSTGRES_URL"),
        help="a PostgreSQL server URL: the app runs on a throwaway database created there "
        "(default: a new SQLite file)",
    )
    rate_limits.add_arguments(parser)
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--no-priority",
        action="store_true",
        help="do not run the servers and wrk at nice -20 (done by default as root)",
    )
    parser.add_argument("--memory-requests", type=int, default=6000)
    parser.add_argument("--snapshot-builds", type=int, default=20)
    parser.add_argument("--measure-snapshot", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_snapshot:  # the child process of snapshot_in_child()
        measured = measure_snapshot(args.measure_snapshot, args.snapshot_builds)
        print(json.dumps(asdict(measured)))
        return 0
    generator = args.generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"
    if MULTI_CPU:
        os.sched_setaffinity(0, {1})
    if not args.no_priority and os.geteuid() == 0 and shutil.which("nice"):
        PRIORITY[:] = ["nice", "-n", "-20"]

    began = time.monotonic()
    print(
        f"load generator: {generator}"
        + (" (scripts/wrk/bench.lua)" if generator == "wrk" else " (threads, slow: prefer wrk)")
        + f"; pinning: {'servers cpu0, load and this process cpu1' if MULTI_CPU else 'none'}; "
        f"{args.connections} connections, {args.duration:g} s per run, median of "
        f"{args.rounds} interleaved rounds; priority: "
        + ("nice -20 for the servers and wrk (and their autogroups)" if PRIORITY else "normal")
    )
    print(
        f"servers: uvicorn, one worker, loop {EVENT_LOOP}, HTTP parser {http_parser()}; the "
        "ceiling with the same options as `cica-api serve`"
    )

    criteria: list[Criterion] = []
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        folder = Path(tmp)
        bodies = folder / "bodies"
        bodies.mkdir()
        url, label = stack.enter_context(database(args.postgres_url, folder))
        print(f"database: {label}\n")

        first = app_server("app (first start)", url, cache=True)
        stack.callback(first.stop)
        lines.append(f"first start (migrate + seed) to first 200: {first.start():6.2f} s")
        first.stop()

        snapshot = snapshot_in_child(url, args.snapshot_builds)

        limited = rate_limits.servers(url, args.redis_url)
        SCENARIOS.extend(rate_limits.SCENARIOS if limited else [])
        servers = {
            CACHE_ON: app_server(CACHE_ON, url, cache=True),
            CACHE_OFF: app_server(CACHE_OFF, url, cache=False),
            **limited,
        }
        for name, server in servers.items():
            stack.callback(server.stop)
            lines.append(f"{name}: restart to first 200: {server.start():6.2f} s")
        etag, notes = capture(servers, bodies)
        ceiling = ceiling_server(bodies)
        stack.callback(ceiling.stop)
        ceiling.start()
        servers["ceiling"] = ceiling
        print("captured for the ceiling:")
        for key, note in notes.items():
            print(f"  /{key:<22} {note}")
        print()

        results, idle_wait = run_rounds(
            servers,
            etag,
            rounds=args.rounds,
            generator=generator,
            duration=args.duration,
            connections=args.connections,
        )
        print()

        lines.append(f"waited for the servers to go idle before each run: {idle_wait:.1f} s in all")
        for name in (CACHE_ON, CACHE_OFF, "ceiling"):
            lines.append(
                f"{name}: resident memory after the runs: {servers[name].rss_mib():6.1f} MiB"
            )
        for server in servers.values():
            server.stop()

        fresh = app_server("app (cache on, fresh)", url, cache=True)
        stack.callback(fresh.stop)
        memory: MemoryFigures | str
        try:
            fresh.start()
            memory = header_flood(fresh, requests=args.memory_requests)
        except Exception as exc:  # report it with the rest, do not lose the table
            memory = f"memory test failed: {type(exc).__name__}: {exc}"
        fresh.stop()
        try:  # writes change the database: measured last
            lines += measure_writes(url).lines()
        except Exception as exc:
            lines.append(f"write benchmark failed: {type(exc).__name__}: {exc}")

        feed = feed_criteria(url)  # last: it adds 100,000 entries to the feed

    print_table(results, generator)
    print()
    for line in lines:
        print(line)
    memory_result = memory_criterion(memory, args.memory_requests)
    print_snapshot(snapshot)
    print()

    for scenario in SCENARIOS:
        criteria.append(
            scenario_criterion(
                scenario,
                results[(scenario.key, "ceiling")],
                results[(scenario.key, scenario.server)],
            )
        )
    criteria += [] if limited else rate_limits.missing_criteria(args.redis_url)
    criteria.append(memory_result)
    criteria.append(snapshot_criterion(snapshot))
    criteria += feed
    print_criteria(criteria)
    print(f"total time: {time.monotonic() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
