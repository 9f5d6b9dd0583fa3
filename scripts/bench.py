"""Benchmark: the real app against a bare-Starlette ceiling, every acceptance criterion in one run.

    python -m scripts.bench [--duration 5] [--connections 50] [--rounds 3]
                            [--postgres-url postgresql://user@host/postgres]
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
* memory: a fresh cache-on process, warmed with one ordinary request per route; its RSS
  (VmRSS) before and after 6,000 requests, each with a new 8 KB `Accept-Language` and a new
  8 KB `Accept`, over a few list and detail routes: growth < 20 MB (10^6 bytes). Sent by
  http.client over 4 keep-alive connections; every status is counted and printed.
* snapshot: `app.core.snapshot.build_snapshot(engine)` on the seeded database, called in a
  Python process of its own (pinned and prioritised like a server) 20 times: median
  < 100 ms; also the memory one snapshot retains (tracemalloc, after gc.collect()).
  Reported as not available while the module is missing.

Varying requests come from `scripts/wrk/bench.lua`, which the ceiling runs get too, so the
Lua cost per request is the same on both sides. Dates walk 1995-01-01 .. 2099-12-31 by a
stride coprime with the span (38,351 distinct dates before one repeats, early and late
dates mixed); Accept-Language values carry a per-run tag and a counter, so none repeats,
within a run or across runs. The script reports how many values it generated, printed
with the first and last of each run.
"""

import argparse
import contextlib
import datetime as dt
import gc
import http.client
import importlib
import importlib.util
import itertools
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from app.cli import EVENT_LOOP, HTTP_PARSER
from app.core.server import cli_options as server_cli_options
from scripts.load_test import free_port, stop_process

ROOT = Path(__file__).resolve().parents[1]
LUA = Path(__file__).resolve().parent / "wrk" / "bench.lua"
READY_PATH = "/v1/members"
LIST = "/v1/members?limit=30"

# The date walk, the same as scripts/wrk/bench.lua: 1995-01-01 .. 2099-12-31 by a stride
# coprime with the span, so a run's first SPAN requests all carry different dates.
FIRST_DAY = dt.date(1995, 1, 1)
SPAN = 38351
STRIDE = 7919

MULTI_CPU = (os.cpu_count() or 1) > 1 and shutil.which("taskset") is not None
PIN_SERVER = ["taskset", "-c", "0"] if MULTI_CPU else []
PIN_LOAD = ["taskset", "-c", "1"] if MULTI_CPU else []
# Raised priority for the servers and wrk (root only), so that on a shared machine other
# processes barely take CPU from them. Each runs in a session of its own, whose scheduler
# autogroup gets nice -20 (with autogroups on, a process's own nice value only counts
# within its session), and at nice -20 itself. Contention does more than add noise: the
# app's thread pool (one scheduling entity per busy thread) wins more of a contended CPU
# than the one-threaded ceiling, which flatters the ratios.
PRIORITY: list[str] = []  # ["nice", "-n", "-20"] unless --no-priority or not root (main)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CACHE_ON, CACHE_OFF = "app (cache on)", "app (cache off)"


@dataclass(frozen=True)
class Plan:
    """What one run sends: `path` (ending in `as_of=` when `dates`), fixed headers, and
    whether every request gets a new date and/or a new Accept-Language."""

    path: str
    headers: tuple[tuple[str, str], ...] = ()
    dates: bool = False
    lang: bool = False


@dataclass(frozen=True)
class Scenario:
    group: str
    name: str
    server: str  # CACHE_ON or CACHE_OFF
    plan: Plan
    status: int
    min_ratio: float
    max_p99_ms: float | None = None

    @property
    def key(self) -> str:
        """Unique across groups; also the ceiling's route."""
        return f"{GROUP_SLUGS[self.group]}-{self.name}"

    @property
    def title(self) -> str:
        return f"{self.group} / {self.name}"


GROUP_SLUGS = {"cache on": "on", "cache off": "off", "unique language": "lang"}
P99_MS = 25.0
SEARCH = "/v1/search?q=kaz"
DETAIL = "/v1/members/KZ"
AS_OF = "/v1/members?as_of="
SCENARIOS = [
    Scenario("cache on", "list", CACHE_ON, Plan(LIST), 200, 0.9),
    Scenario(
        "cache on", "list-304", CACHE_ON, Plan(LIST, (("If-None-Match", "{etag}"),)), 304, 1.0
    ),
    Scenario("cache off", "list", CACHE_OFF, Plan(LIST), 200, 0.25, P99_MS),
    Scenario("cache off", "detail", CACHE_OFF, Plan(DETAIL), 200, 0.25, P99_MS),
    Scenario("cache off", "as-of", CACHE_OFF, Plan(AS_OF, dates=True), 200, 0.25, P99_MS),
    Scenario("cache off", "search", CACHE_OFF, Plan(SEARCH), 200, 0.2, P99_MS),
    Scenario("unique language", "list", CACHE_ON, Plan(LIST, lang=True), 200, 0.25, P99_MS),
    Scenario("unique language", "detail", CACHE_ON, Plan(DETAIL, lang=True), 200, 0.25, P99_MS),
    Scenario(
        "unique language",
        "as-of",
        CACHE_ON,
        Plan(AS_OF, dates=True, lang=True),
        200,
        0.25,
        P99_MS,
    ),
    Scenario("unique language", "search", CACHE_ON, Plan(SEARCH, lang=True), 200, 0.2, P99_MS),
]

MEMORY_PATHS = (
    "/v1/members?limit=30",
    "/v1/members/KZ",
    "/v1/members/CN",
    "/v1/observers",
    "/v1/councils",
)
MEMORY_GROWTH_LIMIT_MB = 20.0
SNAPSHOT_LIMIT_MS = 100.0


# ---------------------------------------------------------------- requests ---------


def date_at(start: int, n: int) -> str:
    return (FIRST_DAY + dt.timedelta(days=(start + n * STRIDE) % SPAN)).isoformat()


def language_at(nonce: str, n: int) -> str:
    return f"en-US,en;q=0.9,x-{nonce}-{n}"


def request_at(plan: Plan, n: int, *, start: int, nonce: str) -> tuple[str, dict[str, str]]:
    """The n-th request of a run, as the Lua script builds it."""
    path = plan.path + (date_at(start, n) if plan.dates else "")
    headers = dict(plan.headers)
    if plan.lang:
        headers["Accept-Language"] = language_at(nonce, n)
    return path, headers


def get(
    port: int, path: str, headers: dict[str, str] | None = None, *, timeout: float = 30
) -> tuple[int, list[tuple[str, str]], bytes]:
    """One GET with http.client, which sends only Host, Accept-Encoding: identity and the
    headers given (like wrk, and unlike httpx, it adds no Accept)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


# ------------------------------------------------------------------ servers ---------


class Server:
    """A server subprocess pinned to CPU 0; `start()` returns the seconds to the first 200."""

    def __init__(
        self, name: str, command: list[str], env: dict[str, str], port: int, ready_path: str
    ) -> None:
        self.name, self.command, self.env = name, command, env
        self.port, self.ready_path = port, ready_path
        self.process: subprocess.Popen[bytes] | None = None
        self.log: IO[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 300) -> float:
        self.log = tempfile.TemporaryFile()
        started = time.monotonic()
        self.process = spawn(
            [*PRIORITY, *PIN_SERVER, *self.command],
            start_new_session=bool(PRIORITY),
            env=self.env,
            stdout=self.log,
            stderr=self.log,
            cwd=ROOT,
        )
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if get(self.port, self.ready_path, timeout=2)[0] == 200:
                    return time.monotonic() - started
            time.sleep(0.02)
        raise RuntimeError(f"{self.name} not ready in {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        if self.log is None:
            return ""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def rss_mib(self) -> float:
        status = Path(f"/proc/{self.pid}/status").read_text()
        found = re.search(r"VmRSS:\s+(\d+)\s+kB", status)
        return int(found.group(1)) / 1024 if found else float("nan")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process (all its threads) so far."""
        if self.process is None:
            return 0.0
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def stop(self) -> None:
        if self.process is None:
            return
        stop_process(self.process)
        self.process = None
        if self.log is not None:
            self.log.close()
            self.log = None


def cpu0_busy_seconds() -> float:
    """Busy time of CPU 0 so far (all processes and the kernel), from /proc/stat."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("cpu0 "):
            user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, line.split()[1:9])
            return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS
    return float("nan")


def spawn(command: list[str], **options: Any) -> "subprocess.Popen[bytes]":
    """Popen, then, when boosting, nice -20 for the new session's scheduler autogroup."""
    process = subprocess.Popen(command, **options)
    if PRIORITY:
        with contextlib.suppress(OSError):
            Path(f"/proc/{process.pid}/autogroup").write_text("-20")
    return process


def wait_idle(servers: Iterable[Server], *, timeout: float = 120) -> float:
    """Wait until the servers together use under 5% of a CPU over 0.2 s; return the wait.

    When wrk stops, a slow server still has a request in flight on each connection and
    finishes them all (a sync route cannot be cancelled), which would eat into the next
    run on the same CPU."""
    began = time.monotonic()
    servers = list(servers)
    while time.monotonic() - began < timeout:
        used = sum(s.cpu_seconds() for s in servers)
        time.sleep(0.2)
        if sum(s.cpu_seconds() for s in servers) - used <= 0.01:
            break
    return time.monotonic() - began


def app_server(name: str, database_url: str, *, cache: bool) -> Server:
    port = free_port()
    script = Path(sys.executable).with_name("cica-api")
    command = ([str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]) + [
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    env = {
        **os.environ,
        "CICA_DATABASE_URL": database_url,
        "CICA_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "CICA_LOG_LEVEL": "warning",
    }
    if not cache:
        env["CICA_CACHE_MAX_BYTES"] = "0"
    return Server(name, command, env, port, READY_PATH)


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


# ------------------------------------------------------------------ loading ---------


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    generated: int = 0
    first: str = ""
    last: str = ""
    server_cpu: float = float("nan")  # CPU used by the loaded server, share of the run
    other_cpu: float = float("nan")  # share of CPU 0 used by processes other than ours


def load(
    port: int,
    plan: Plan,
    *,
    generator: str,
    duration: float,
    connections: int,
    start: int,
    nonce: str,
) -> Result:
    if generator == "wrk":
        return _wrk(
            port, plan, duration=duration, connections=connections, start=start, nonce=nonce
        )
    return _python_load(
        port, plan, duration=duration, connections=connections, start=start, nonce=nonce
    )


def _wrk(
    port: int, plan: Plan, *, duration: float, connections: int, start: int, nonce: str
) -> Result:
    command = [
        *PRIORITY,
        *PIN_LOAD,
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
    ]
    for name, value in plan.headers:
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{plan.path}")
    arguments = [*(["dates"] if plan.dates else []), *(["lang"] if plan.lang else [])]
    if arguments:
        command += ["--", *arguments, f"start={start}", f"nonce={nonce}"]
    process = spawn(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=bool(PRIORITY)
    )
    try:
        out, err = process.communicate()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = out.decode(errors="replace")
    if process.returncode:
        raise RuntimeError(f"wrk failed ({process.returncode}): {err.decode(errors='replace')}")
    found = re.search(r"^BENCH-RESULT (.*)$", output, re.MULTILINE)
    if not found:
        raise RuntimeError(f"no BENCH-RESULT line from wrk:\n{output}")
    data = json.loads(found.group(1))
    done = data["requests"] > 0  # else wrk reports 0 for the percentiles
    return Result(
        rps=data["requests"] / data["seconds"],
        p50_ms=data["p50_us"] / 1000 if done else float("inf"),
        p99_ms=data["p99_us"] / 1000 if done else float("inf"),
        requests=data["requests"],
        errors=sum(data["errors"].values()),
        generated=data["generated"],
        first=data["first"],
        last=data["last"],
    )


def _python_load(
    port: int, plan: Plan, *, duration: float, connections: int, start: int, nonce: str
) -> Result:
    """Keep-alive http.client connections, one per thread, for `duration` seconds."""
    latencies: list[float] = []
    errors = 0
    counter = itertools.count()
    lock = threading.Lock()
    stop_at = time.monotonic() + duration
    values: dict[str, tuple[int, str]] = {}  # "first" and "last": (request number, value)
    varying = plan.dates or plan.lang

    def worker() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            n = next(counter)
            path, headers = request_at(plan, n, start=start, nonce=nonce)
            began = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                errors += not ok
                if varying:
                    value = f"{path if plan.dates else ''} {headers.get('Accept-Language', '')}"
                    if n == 0:
                        values["first"] = (n, value.strip())
                    if n >= values.get("last", (-1, ""))[0]:
                        values["last"] = (n, value.strip())
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - began
    latencies.sort()

    def pick(q: float) -> float:
        if not latencies:
            return float("inf")
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return Result(
        rps=len(latencies) / seconds,
        p50_ms=pick(0.5),
        p99_ms=pick(0.99),
        requests=len(latencies),
        errors=errors,
        generated=len(latencies) if varying else 0,
        first=values.get("first", (0, ""))[1],
        last=values.get("last", (0, ""))[1],
    )


# ------------------------------------------------------------------ capture ---------


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


def resolve(plan: Plan, etag: str) -> Plan:
    return replace(plan, headers=tuple((k, v.format(etag=etag)) for k, v in plan.headers))


# --------------------------------------------------------------- memory test ---------


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


# ----------------------------------------------------------------- snapshot ---------


@dataclass
class SnapshotFigures:
    builds_ms: list[float] = field(default_factory=list)
    retained_mib: float = float("nan")
    problem: str = ""

    @property
    def median_ms(self) -> float:
        return statistics.median(self.builds_ms) if self.builds_ms else float("nan")


def measure_snapshot(database_url: str, builds: int) -> SnapshotFigures:
    """Time `build_snapshot(engine)` in this process and weigh one snapshot (tracemalloc:
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

    engine = build_engine(Settings(database_url=database_url))
    figures = SnapshotFigures()
    try:
        for _ in range(builds):
            began = time.perf_counter()
            snapshot = build(engine)
            figures.builds_ms.append((time.perf_counter() - began) * 1000)
            del snapshot
        gc.collect()
        tracemalloc.start()
        try:
            gc.collect()
            before = tracemalloc.get_traced_memory()[0]
            snapshot = build(engine)
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


# ------------------------------------------------------------------ database ---------


@contextlib.contextmanager
def database(postgres_url: str | None, folder: Path) -> Iterator[tuple[str, str]]:
    """(URL for the app, label): a new SQLite file, or a throwaway PostgreSQL database."""
    if not postgres_url:
        yield f"sqlite:///{folder}/bench.db", "SQLite (new file)"
        return
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    admin = make_url(postgres_url).set(drivername="postgresql")
    name = f"cica_bench_{secrets.token_hex(4)}"
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = admin.set(database=name).render_as_string(hide_password=False)
        yield url, f"PostgreSQL (throwaway database {name})"
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


# -------------------------------------------------------------------- report ---------


@dataclass
class Criterion:
    title: str
    passed: bool
    detail: str


def scenario_criterion(scenario: Scenario, ceiling: list[Result], app: list[Result]) -> Criterion:
    ratio = statistics.median(r.rps for r in app) / statistics.median(r.rps for r in ceiling)
    p99 = statistics.median(r.p99_ms for r in app)
    errors = sum(r.errors for r in app)
    fast_enough = ratio >= scenario.min_ratio
    checks = [f"ratio {ratio:.2f} {'>=' if fast_enough else '<'} {scenario.min_ratio:g}"]
    passed = fast_enough
    if scenario.max_p99_ms is not None:
        quick = p99 < scenario.max_p99_ms
        checks.append(f"p99 {p99:.1f} ms {'<' if quick else '>='} {scenario.max_p99_ms:g} ms")
        passed = passed and quick
    if errors:  # a status >= 400, a socket error or a timeout: not the response measured
        checks.append(f"{errors} errors")
        passed = False
    return Criterion(scenario.title, passed, "; ".join(checks))


def print_table(results: dict[tuple[str, str], list[Result]], generator: str) -> None:
    header = (
        f"{'scenario':<24} {'server':<16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6} {'ratio':>6} {'busy':>5} {'other':>5}  req/s per round"
    )
    print(header)
    print("-" * len(header))
    for scenario in SCENARIOS:
        ceiling_rps = statistics.median(r.rps for r in results[(scenario.key, "ceiling")])
        for server in ("ceiling", scenario.server):
            runs = results[(scenario.key, server)]
            rps = statistics.median(r.rps for r in runs)
            ratio = f"{rps / ceiling_rps:>6.2f}" if server != "ceiling" else f"{'':>6}"
            label = scenario.title if server == "ceiling" else ""
            print(
                f"{label:<24} {server:<16} {rps:>8.0f} "
                f"{statistics.median(r.p50_ms for r in runs):>8.2f} "
                f"{statistics.median(r.p99_ms for r in runs):>8.2f} "
                f"{sum(r.errors for r in runs):>6} {ratio} "
                f"{statistics.median(r.server_cpu for r in runs):>5.0%} "
                f"{statistics.median(r.other_cpu for r in runs):>5.0%}  "
                + " / ".join(f"{r.rps:.0f}" for r in runs)
            )
    print(
        "busy: CPU the loaded server used, share of the run (near 100%: the server is the "
        "bottleneck, as it should be);\nother: share of CPU 0 that other processes used "
        "meanwhile (near 0% unless the machine is shared; if high, the figures are noisy)"
    )
    print()
    print(
        f"requests varied by the {generator} generator (app runs: distinct values, first .. last):"
    )
    for scenario in SCENARIOS:
        if scenario.plan.dates or scenario.plan.lang:
            runs = results[(scenario.key, scenario.server)]
            print(
                f"  {scenario.title:<24} "
                + ", ".join(f"{r.generated}" for r in runs)
                + f"; e.g. {runs[0].first!r} .. {runs[0].last!r}"
            )


# ---------------------------------------------------------------------- main ---------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
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

        servers = {
            CACHE_ON: app_server(CACHE_ON, url, cache=True),
            CACHE_OFF: app_server(CACHE_OFF, url, cache=False),
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

        results: dict[tuple[str, str], list[Result]] = {}
        idle_wait = 0.0
        for round_number in range(1, args.rounds + 1):
            for scenario in SCENARIOS:
                plan = resolve(scenario.plan, etag)
                nonce = secrets.token_hex(4)
                start = secrets.randbelow(SPAN)
                ceiling_path = f"/{scenario.key}" + ("?as_of=" if plan.dates else "")
                figures = []
                for server_name, run_plan in (
                    ("ceiling", replace(plan, path=ceiling_path)),
                    (scenario.server, plan),
                ):
                    port = servers[server_name].port
                    idle_wait += wait_idle(servers.values())
                    path, headers = request_at(run_plan, 0, start=start, nonce=f"w{nonce}")
                    get(port, path, headers)  # warm-up
                    busy, wall = cpu0_busy_seconds(), time.monotonic()
                    ours = {name: s.cpu_seconds() for name, s in servers.items()}
                    result = load(
                        port,
                        run_plan,
                        generator=generator,
                        duration=args.duration,
                        connections=args.connections,
                        start=start,
                        nonce=nonce,
                    )
                    elapsed = time.monotonic() - wall
                    used = {name: s.cpu_seconds() - ours[name] for name, s in servers.items()}
                    result.server_cpu = used[server_name] / elapsed
                    if MULTI_CPU:
                        other = cpu0_busy_seconds() - busy - sum(used.values())
                        result.other_cpu = max(0.0, other / elapsed)
                    results.setdefault((scenario.key, server_name), []).append(result)
                    figures.append(
                        f"{server_name} {result.rps:.0f} req/s p99 {result.p99_ms:.1f} ms"
                        f" (busy {result.server_cpu:.0%}, other {result.other_cpu:.0%})"
                    )
                print(
                    f"round {round_number}: {scenario.title:<24} " + "; ".join(figures), flush=True
                )
        print()

        lines.append(f"waited for the servers to go idle before each run: {idle_wait:.1f} s in all")
        for name in (CACHE_ON, CACHE_OFF, "ceiling"):
            lines.append(
                f"{name}: resident memory after the runs: {servers[name].rss_mib():6.1f} MiB"
            )
        for name in (CACHE_OFF, "ceiling", CACHE_ON):
            servers[name].stop()

        fresh = app_server("app (cache on, fresh)", url, cache=True)
        stack.callback(fresh.stop)
        memory: MemoryFigures | str
        try:
            fresh.start()
            memory = header_flood(fresh, requests=args.memory_requests)
        except Exception as exc:  # report it with the rest, do not lose the table
            memory = f"memory test failed: {type(exc).__name__}: {exc}"
        fresh.stop()

    print_table(results, generator)
    print()
    for line in lines:
        print(line)
    if isinstance(memory, str):
        print(memory)
        memory_criterion = Criterion("memory / unique 8 KB headers", False, memory[:200])
    else:
        answered = sum(v for k, v in memory.statuses.items() if k.isdigit())
        growth = memory.growth_mb
        print(
            f"memory: {args.memory_requests} requests, each with a new 8 KB Accept-Language and "
            f"a new 8 KB Accept, over {len(MEMORY_PATHS)} routes in {memory.seconds:.1f} s; "
            "statuses "
            + ", ".join(f"{k}: {v}" for k, v in sorted(memory.statuses.items()))
            + f"; RSS {memory.rss_ready_mib:.1f} MiB at ready, {memory.rss_before_mib:.1f} MiB "
            f"warmed (one plain request per route), {memory.rss_after_mib:.1f} MiB after"
        )
        memory_criterion = Criterion(
            "memory / unique 8 KB headers",
            answered == args.memory_requests and growth < MEMORY_GROWTH_LIMIT_MB,
            f"RSS growth {growth:.1f} MB {'<' if growth < MEMORY_GROWTH_LIMIT_MB else '>='} "
            f"{MEMORY_GROWTH_LIMIT_MB:g} MB; {answered}/{args.memory_requests} answered",
        )
    if snapshot.problem and not snapshot.builds_ms:
        print(f"snapshot: {snapshot.problem}")
    else:
        print(
            f"snapshot: {len(snapshot.builds_ms)} builds, median {snapshot.median_ms:.1f} ms "
            f"(min {min(snapshot.builds_ms):.1f}, max {max(snapshot.builds_ms):.1f}); "
            f"one snapshot retains {snapshot.retained_mib:.2f} MiB (tracemalloc)"
            + (f"; {snapshot.problem}" if snapshot.problem else "")
        )
    print()

    for scenario in SCENARIOS:
        criteria.append(
            scenario_criterion(
                scenario,
                results[(scenario.key, "ceiling")],
                results[(scenario.key, scenario.server)],
            )
        )
    criteria.append(memory_criterion)
    criteria.append(
        Criterion(
            "snapshot / build time",
            not snapshot.problem and snapshot.median_ms < SNAPSHOT_LIMIT_MS,
            snapshot.problem
            or f"median {snapshot.median_ms:.1f} ms "
            f"{'<' if snapshot.median_ms < SNAPSHOT_LIMIT_MS else '>='} {SNAPSHOT_LIMIT_MS:g} ms",
        )
    )
    for criterion in criteria:
        print(f"{'PASS' if criterion.passed else 'FAIL'}  {criterion.title:<30} {criterion.detail}")
    passed = sum(c.passed for c in criteria)
    print(f"\ncriteria: {passed} passed, {len(criteria) - passed} failed")
    print(f"total time: {time.monotonic() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
