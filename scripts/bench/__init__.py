"""Benchmark: the real app against a bare-Starlette ceiling, every acceptance criterion in one run.

    python -m scripts.bench [--duration 5] [--connections 50] [--rounds 3]
                            [--postgres-url postgresql://user@host/postgres]
                            [--redis-url redis://127.0.0.1:6379/0]
                            [--generator auto|wrk|python] [--no-priority]

Needs wrk (`apt-get install wrk`) for trustworthy figures; without it a Python generator
runs the same requests, slowly. Prints a table, PASS/FAIL per criterion and
`criteria: N passed, M failed`; the exit code is 0 whatever the figures.

Servers: subprocesses, one uvicorn worker each, all pinned to CPU 0 with `taskset`; wrk and
this process run on CPU 1. As root the servers and wrk also run at nice -20, each in a
session of its own whose scheduler autogroup gets nice -20 too, so that other load on a
shared machine barely touches them (`--no-priority` turns that off).

* app, started as the Dockerfile starts it, `cica-api serve --host 127.0.0.1 --port N`,
  with `CICA_DATABASE_URL` (a new SQLite file in a temporary folder; with `--postgres-url`
  a throwaway database created on that server and dropped at the end) and
  `CICA_PUBLIC_URL`. Its first start migrates and seeds ("first start to first 200"); then
  it is started twice more, with the response cache on and with it off
  (`CICA_CACHE_MAX_BYTES=0`), each timed "restart to first 200". Ready means
  `GET /v1/members` answers 200 (503s and refused connections while booting are polled
  through).
* ceiling (`scripts/bench_ceiling.py`): bare Starlette answering, at `/<scenario key>`, the
  bytes the app answered for that scenario (status, headers, body; captured once before
  the rounds), whatever the query string and headers.

Method: the three servers stay up together; only one is loaded at a time (an idle server
costs nothing), so rounds interleave without restarts: round k runs, for each scenario,
the ceiling then the app, so drift hits both alike. Before each run the bench waits until
the servers are idle (a slow app still finishes the requests in flight when wrk stops) and
sends one warm-up request. The table gives, per (scenario, server), the median over the
rounds of req/s and of p99 (wrk's percentiles cover completed requests only), the ratio
median app req/s / median ceiling req/s, `busy` (CPU the loaded server used: near 100% if
the server, not the generator, is the bottleneck) and `other` (CPU 0 time other processes
took meanwhile: near 0% unless the machine is shared).

Criteria:

* cache on: `list` /v1/members?limit=30, ratio >= 0.9; `list-304` the same with
  `If-None-Match: <its ETag>` (304), ratio >= 1.0.
* cache off: `list`; `detail` /v1/members/KZ; `as-of` /v1/members?as_of=<a different date
  on every request>; `search` /v1/search?q=kaz: ratio >= 0.25 (search >= 0.2) and
  p99 < 25 ms.
* unique language (cache on, a new `Accept-Language` on every request): the same four
  paths, the same thresholds.
* rate limits (Redis), issue 15 (`scripts/bench/rate_limits.py`): two more app servers
  with rate limits on and counters in Redis (`--redis-url`): cache hits, ratio >= 0.8;
  a cache-off list, ratio >= 0.25 and p99 < 25 ms.
* memory: a fresh cache-on process, warmed with one ordinary request per route; its RSS
  (VmRSS) before and after 6,000 requests, each with a new 8 KB `Accept-Language` and a new
  8 KB `Accept`, over a few list and detail routes: growth < 20 MB (10^6 bytes). Sent by
  http.client over 4 keep-alive connections; every status is counted and printed.
* snapshot: `app.core.snapshot.build_snapshot(engine, COLLECTIONS)` on the seeded database, called in a
  Python process of its own (pinned and prioritised like a server) 20 times: median
  < 100 ms; also the memory one snapshot retains (tracemalloc, after gc.collect()).
  Reported as not available while the module is missing.

Varying requests come from `scripts/wrk/bench.lua`, which the ceiling runs get too, so the
Lua cost per request is the same on both sides. Dates walk 1995-01-01 .. 2099-12-31 by a
stride coprime with the span (38,351 distinct dates before one repeats, early and late
dates mixed); Accept-Language values carry a per-run tag and a counter, so none repeats,
within a run or across runs. The script reports how many values it generated, printed
with the first and last of each run.

Modules: `scenarios` (what is sent, the criteria), `servers` (start, probe, pin, stop),
`ceiling` (the bare-Starlette server and the answers it replays), `generators` (wrk and the
Python fallback), `rounds` (the interleaved runs), `measurements` (memory, snapshot),
`database` (SQLite or a throwaway PostgreSQL database), `rate_limits` (the servers with
rate limits in Redis and their scenarios), `report` (table, PASS/FAIL) and
`__main__` (the command line).
"""

from scripts.bench.ceiling import CEILING_SERVER_OPTIONS
from scripts.bench.generators import Result, load
from scripts.bench.scenarios import Plan
from scripts.bench.servers import PIN_SERVER, PRIORITY, spawn

__all__ = ["CEILING_SERVER_OPTIONS", "PIN_SERVER", "PRIORITY", "Plan", "Result", "load", "spawn"]
