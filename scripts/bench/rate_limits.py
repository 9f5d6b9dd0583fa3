"""Issue 15's targets in the same run: the app with rate limits on and its counters in Redis.

Two more servers (`app+Redis (on)` and `(off)` in the table), `cica-api serve` as the others
but with `CICA_RATE_LIMITS=true`, quotas
far above what wrk sends (every request is counted through the Redis leases, none is
refused: what is measured is the cost of counting) and `CICA_REDIS_URL` with a prefix of
this run's own; one with the response cache on, one with it off. Their scenarios join the
interleaved rounds against the same bare-Starlette ceiling, which replays their answers:

* `rate limits (Redis) / hit`: `/v1/members?limit=30` from the cache, ratio >= 0.8;
* `rate limits (Redis) / list`: the same list with the cache off, ratio >= 0.25 and
  p99 < 25 ms.

Without a Redis server answering at `--redis-url` (default `CICA_BENCH_REDIS_URL`, else
redis://127.0.0.1:6379/0) the two are not run, and a failed criterion says so.
`python -m scripts.bench_rate_limits` compares limits off, in memory and in Redis, and
prints the limiter's cost in process.
"""

import argparse
import os
import secrets
from typing import Final

from scripts.bench.report import Criterion
from scripts.bench.scenarios import LIST, P99_MS, Plan, Scenario
from scripts.bench.servers import Server, app_server

HIT_SERVER: Final = "app+Redis (on)"
LIST_SERVER: Final = "app+Redis (off)"
GROUP: Final = "rate limits (Redis)"
SCENARIOS: Final = [
    Scenario(GROUP, "hit", HIT_SERVER, Plan(LIST), 200, 0.8, slug="rl"),
    Scenario(GROUP, "list", LIST_SERVER, Plan(LIST), 200, 0.25, P99_MS, slug="rl"),
]
UNLIMITED: Final = str(10**9)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("CICA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="the Redis server of the rate-limit scenarios (default: %(default)s)",
    )


def limited_server(
    name: str, database_url: str, *, cache: bool, redis_url: str | None, prefix: str = ""
) -> Server:
    """`app_server` with rate limits on (quotas no run reaches), counted in Redis when
    `redis_url` is given, else in the process."""
    server = app_server(name, database_url, cache=cache)
    server.env["CICA_RATE_LIMITS"] = "true"
    for tier in ("ANONYMOUS", "PARTNER", "WRITE"):
        server.env[f"CICA_RATE_LIMIT_{tier}"] = UNLIMITED
    if redis_url:
        server.env.update(CICA_REDIS_URL=redis_url, CICA_REDIS_PREFIX=prefix)
    else:
        server.env.pop("CICA_REDIS_URL", None)
    return server


def servers(database_url: str, redis_url: str) -> dict[str, Server]:
    """The two servers (not started), or none when Redis does not answer."""
    if redis_problem(redis_url):
        return {}
    prefix = f"cica-bench-{secrets.token_hex(4)}:"
    return {
        name: limited_server(name, database_url, cache=cache, redis_url=redis_url, prefix=prefix)
        for name, cache in ((HIT_SERVER, True), (LIST_SERVER, False))
    }


def redis_problem(redis_url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        return f"Redis at {redis_url} does not answer ({type(exc).__name__}): not run"
    return None


def missing_criteria(redis_url: str) -> list[Criterion]:
    """FAIL lines standing in for the scenarios that could not run."""
    problem = redis_problem(redis_url) or "not run"
    return [Criterion(s.title, False, problem) for s in SCENARIOS]
