"""What rate limits cost: the app with limits off, on in memory and on in Redis, against the
bare-Starlette ceiling of `scripts.bench`, for response-cache hits and a cache-off list.

    python -m scripts.bench_rate_limits [--duration 5] [--connections 50] [--rounds 3]
                                        [--redis-url redis://127.0.0.1:6379/0]

Servers and load as in `scripts.bench` (its `Server`, `app_server`, `ceiling_server` and
`load`: one uvicorn worker per server pinned to CPU 0, wrk on CPU 1, nice -20 as root),
every server up at once and loaded one at a time, rounds interleaved; medians are printed
with the ratio to the ceiling. Quotas are set far above what wrk sends, so every request
goes through the limiter and none is refused: what is measured is the cost of counting.
With Redis, one client (wrk's address) is the busy client whose leases grow to 512
tokens; a `partner` key adds the key check, `no-store` and the `RateLimit` headers.

Targets (issue 15): with limits on and counters in Redis, cache hits >= 0.8 of the ceiling
and a cache-off list >= 0.25; `python -m scripts.bench` measures these two in its own run
(`scripts/bench/rate_limits.py`), this script the comparison with limits off and in memory.

Then, in this process, the cost per request of the limiter itself and of the `limits`
library's async Redis storage (when installed; it is not a dependency): one Redis round
trip per request, which is what the leases avoid.
"""

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from app.core.config import Settings
from app.core.db import build_engine
from app.core.rate_limit import Policy, RateLimiter, RedisLeases
from app.models.base import utc_now
from app.services.api_keys import create_key
from scripts.bench import rate_limits
from scripts.bench.ceiling import ceiling_server
from scripts.bench.generators import load
from scripts.bench.scenarios import Plan
from scripts.bench.servers import MULTI_CPU, PRIORITY, Server, app_server, get, wait_idle

HIT = "/v1/members?limit=30"
MODES = ("off", "memory", "redis")
TARGETS = {"hit": 0.8, "list": 0.25}


def limited_server(mode: str, url: str, *, cache: bool, redis_url: str, prefix: str) -> Server:
    name = f"{mode} (cache {'on' if cache else 'off'})"
    if mode == "off":
        return app_server(name, url, cache=cache)
    redis = redis_url if mode == "redis" else None
    return rate_limits.limited_server(name, url, cache=cache, redis_url=redis, prefix=prefix)


def capture(server: Server, path: str, folder: Path, name: str, headers: dict[str, str]) -> None:
    status, sent, body = get(server.port, path, headers)
    if status != 200:
        raise RuntimeError(f"{server.name}: {path} answered {status}")
    kept = [[k, v] for k, v in sent if k.lower() not in {"content-length", "date", "server"}]
    (folder / f"{name}.body").write_bytes(body)
    (folder / f"{name}.json").write_text(json.dumps({"status": status, "headers": kept}))


def in_process(redis_url: str, prefix: str, requests: int = 100_000) -> list[str]:
    """Microseconds per request of the limiter (memory, Redis leases) and of one Redis
    round trip per request (our script, and the `limits` library if installed)."""
    lines: list[str] = []

    async def run() -> None:
        policy = Policy("anonymous", 10**9, 60)
        policies = {"anonymous": policy, "partner": policy, "write": policy}
        for label, store in (
            ("limiter, memory", None),
            ("limiter, Redis leases", RedisLeases(redis_url, prefix=prefix, timeout=1.0)),
        ):
            limiter = RateLimiter(policies, store=store)
            began = time.perf_counter()
            for _ in range(requests):
                if limiter.admit(policy, "198.51.100.1") is None:
                    await limiter.lease(policy, "198.51.100.1")
            spent = time.perf_counter() - began
            lines.append(f"{label:<42} {spent / requests * 1e6:8.2f} us per request")
            await limiter.close()
        store = RedisLeases(redis_url, prefix=prefix, timeout=1.0)
        calls = 2000
        began = time.perf_counter()
        for _ in range(calls):
            await store.take("rl:bench:round-trip", 1, 10**9, 60_000)
        spent = time.perf_counter() - began
        lines.append(
            f"{'one lease call (Lua script) per request':<42} {spent / calls * 1e6:8.0f} us"
        )
        await store.close()
        await _limits_library(redis_url, prefix, calls, lines)

    asyncio.run(run())
    return lines


async def _limits_library(redis_url: str, prefix: str, calls: int, lines: list[str]) -> None:
    try:
        from limits import RateLimitItemPerMinute
        from limits.aio.storage import RedisStorage
        from limits.aio.strategies import FixedWindowRateLimiter
    except ImportError:
        lines.append("limits: not installed (`uv pip install 'limits[async-redis]'` to compare)")
        return
    import limits

    item = RateLimitItemPerMinute(10**9)
    for implementation in ("redispy", "coredis"):
        try:
            storage = RedisStorage(
                "async+" + redis_url, implementation=implementation, key_prefix=prefix + "limits"
            )
            limiter = FixedWindowRateLimiter(storage)
            await limiter.hit(item, "198.51.100.1")
        except Exception as exc:  # an implementation whose client is missing
            lines.append(f"limits {limits.__version__} ({implementation}): {type(exc).__name__}")
            continue
        began = time.perf_counter()
        for _ in range(calls):
            await limiter.hit(item, "198.51.100.1")
        hit = (time.perf_counter() - began) / calls * 1e6
        began = time.perf_counter()
        for _ in range(calls):
            await limiter.hit(item, "198.51.100.1")
            await limiter.get_window_stats(item, "198.51.100.1")
        both = (time.perf_counter() - began) / calls * 1e6
        lines.append(
            f"limits {limits.__version__} async Redis ({implementation}): hit {hit:.0f} us; "
            f"hit + window stats (for the RateLimit header) {both:.0f} us per request"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--redis-url", default=os.environ.get("CICA_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args()
    generator = "wrk" if shutil.which("wrk") else "python"
    if MULTI_CPU:
        os.sched_setaffinity(0, {1})
    if os.geteuid() == 0 and shutil.which("nice"):
        PRIORITY[:] = ["nice", "-n", "-20"]
    prefix = f"cica-bench-{secrets.token_hex(4)}:"
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        folder = Path(tmp)
        bodies = folder / "bodies"
        bodies.mkdir()
        url = f"sqlite:///{folder}/bench.db"
        first = app_server("first start", url, cache=True)
        stack.callback(first.stop)
        first.start()
        first.stop()
        engine = build_engine(Settings(database_url=url))
        key = create_key(
            engine, name="bench-partner", scope="partner", expires_at=None, now=utc_now()
        ).key
        engine.dispose()
        keyed = {"Authorization": f"Bearer {key}"}

        servers: dict[str, Server] = {}
        for mode in MODES:
            for cache in (True, False):
                server = limited_server(
                    mode, url, cache=cache, redis_url=args.redis_url, prefix=prefix
                )
                stack.callback(server.stop)
                server.start()
                servers[server.name] = server
        capture(servers["off (cache on)"], HIT, bodies, "hit", {})
        capture(servers["off (cache off)"], HIT, bodies, "list", {})
        capture(servers["redis (cache on)"], HIT, bodies, "hit-key", keyed)
        ceiling = ceiling_server(bodies)
        ceiling.ready_path = "/hit"
        stack.callback(ceiling.stop)
        ceiling.start()
        servers["ceiling"] = ceiling

        scenarios: list[tuple[str, str, list[str], Plan]] = [
            ("hit", "cache hits", [f"{m} (cache on)" for m in MODES], Plan(HIT)),
            ("list", "cache-off list", [f"{m} (cache off)" for m in MODES], Plan(HIT)),
            (
                "hit-key",
                "cache hits, partner key",
                ["redis (cache on)"],
                Plan(HIT, tuple(keyed.items())),
            ),
        ]
        results: dict[tuple[str, str], list[float]] = {}
        errors: dict[tuple[str, str], int] = {}
        for round_number in range(1, args.rounds + 1):
            for key_name, title, names, plan in scenarios:
                figures = []
                for name in ["ceiling", *names]:
                    server = servers[name]
                    run_plan = Plan(f"/{key_name}") if name == "ceiling" else plan
                    wait_idle(servers.values())
                    get(server.port, run_plan.path, dict(run_plan.headers))  # warm-up
                    result = load(
                        server.port,
                        run_plan,
                        generator=generator,
                        duration=args.duration,
                        connections=args.connections,
                        start=0,
                        nonce="rl",
                    )
                    results.setdefault((key_name, name), []).append(result.rps)
                    errors[(key_name, name)] = errors.get((key_name, name), 0) + result.errors
                    figures.append(f"{name} {result.rps:.0f}")
                print(f"round {round_number}: {title:<24} " + "; ".join(figures), flush=True)
        redis_errors = servers["redis (cache on)"].log_tail().count("unreachable in Redis")

    print()
    print(f"{'scenario':<26} {'server':<20} {'req/s':>8} {'ratio':>6} {'errors':>6}")
    passed = True
    for key_name, title, names, _ in scenarios:
        ceiling_rps = statistics.median(results[(key_name, "ceiling")])
        print(f"{title:<26} {'ceiling':<20} {ceiling_rps:>8.0f}")
        for name in names:
            rps = statistics.median(results[(key_name, name)])
            ratio = rps / ceiling_rps
            print(f"{'':<26} {name:<20} {rps:>8.0f} {ratio:>6.2f} {errors[(key_name, name)]:>6}")
            if name.startswith("redis") and key_name in TARGETS:
                ok = ratio >= TARGETS[key_name] and not errors[(key_name, name)]
                passed = passed and ok
                print(f"{'':<26} {'':<20} {'PASS' if ok else 'FAIL'} target {TARGETS[key_name]:g}")
    if redis_errors:
        print(f"warning: the Redis server logged {redis_errors} outages during the runs")
    print()
    print("in process (one client, quota 10^9):")
    for line in in_process(args.redis_url, prefix):
        print("  " + line)
    print(f"\n{'all targets PASS' if passed else 'some target FAILED'}")
    print(f"total time: {time.monotonic() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
