"""Prometheus metrics: counted per request in plain dicts, turned into metrics at scrape time.

The edge layer (`app.core.edge`) calls `RequestMetrics.observe` once per request, cache hits
and fast reads included, with the route template (`RouteTemplates`), never the raw path, so
the number of series stays bounded. Observing is a few dict operations on the event loop;
prometheus-client's own `Counter` and `Histogram` take a lock per update and cost several
times more. `CicaCollector` reads those dicts, the response cache's counters, the current
snapshot and the database pool when Prometheus scrapes, so nothing is kept up to date in
between. Metrics are per process (see docs/operations.md: one scrape target per worker).
"""

import bisect
import errno
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Final
from wsgiref.simple_server import WSGIServer

from fastapi.routing import iter_route_contexts
from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    start_http_server,
)
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from sqlalchemy.pool import QueuePool
from starlette.routing import BaseRoute, Mount

from app.core.cache import ResponseCache
from app.core.read_model import ReadModel

logger = logging.getLogger("app.metrics")
UNMATCHED: Final = "unmatched"
"""The route label of a path no route matches: one series, however many such paths."""
METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods the API serves; every other method is counted as `other` (each is a 405)."""
OTHER: Final = "other"
STATUSES: Final = frozenset(
    {200, 204, 206, 304, 307, 400, 404, 405, 406, 408, 414, 422, 429, 431, 500, 503}
)
"""Statuses with a series of their own; any other is counted as `other` (0 here)."""
BUCKETS: Final = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
"""Upper bounds (seconds) of the latency histogram: a cache hit takes well under 1 ms."""


class RouteTemplates:
    """Maps a path to the template of the route that serves it (`/v1/members/{member_id}`).

    Built from the application's own routes, so the fast path, cache hits and FastAPI agree:
    a path without parameters is one dict lookup, a path whose last segment is the only
    parameter is another; other routes (mounts, several parameters) are matched by their
    regex. Rebuilt when the number of routes changes."""

    def __init__(self, routes: Callable[[], Sequence[BaseRoute]]) -> None:
        self._routes = routes
        self._count = -1
        self._exact: dict[str, str] = {}
        self._last_segment: dict[str, str] = {}
        self._others: list[tuple[Any, str]] = []

    def __call__(self, path: str) -> str:
        if len(self._routes()) != self._count:
            self._build()
        template = self._exact.get(path)
        if template is not None:
            return template
        parent, _, last = path.rpartition("/")
        if last and (template := self._last_segment.get(parent)) is not None:
            return template
        for regex, template in self._others:
            if regex.match(path):
                return str(template)
        return UNMATCHED

    def _build(self) -> None:
        routes = self._routes()
        self._count = len(routes)
        self._exact, self._last_segment, self._others = {}, {}, []
        for route in iter_route_contexts(routes):  # included routers flattened, with prefixes
            path = route.path
            if path is None:
                continue
            if isinstance(route.original_route, Mount):
                self._exact.setdefault(path, path)
                self._others.append((route.path_regex, path + "/{path}"))
                continue
            parent, _, last = path.rpartition("/")
            if not route.param_convertors:
                self._exact.setdefault(path, path)
            elif "{" not in parent and last.startswith("{") and ":" not in last:
                self._last_segment.setdefault(parent, path)
            else:
                self._others.append((route.path_regex, path))


class RequestMetrics:
    """Request counts by (route, method, status) and latency buckets by (route, method).

    Every label set is bounded: routes are the app's templates or `unmatched`, methods and
    statuses outside `METHODS` and `STATUSES` fold into `other`."""

    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, int], int] = {}
        self.durations: dict[tuple[str, str], list[float]] = {}
        """Per (route, method): one count per bucket (the last for +Inf), then the sum."""
        self.sources: weakref.WeakSet[Any] = weakref.WeakSet()
        """What holds requests not yet counted (`app.core.observations`): synced first."""

    def sync(self) -> None:
        """Count every request answered so far (called before the counts are read)."""
        for source in list(self.sources):
            source.sync()

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        if method not in METHODS:
            method = OTHER
        if status not in STATUSES:
            status = 0
        key = (route, method, status)
        self.requests[key] = self.requests.get(key, 0) + 1
        series = self.durations.get((route, method))
        if series is None:
            series = self.durations[(route, method)] = [0.0] * (len(BUCKETS) + 2)
        series[bisect.bisect_left(BUCKETS, seconds)] += 1
        series[-1] += seconds


class CicaCollector(Collector):
    """Everything the app exports, computed when Prometheus scrapes."""

    def __init__(
        self,
        requests: RequestMetrics,
        read_model: ReadModel,
        *,
        cache: Callable[[], ResponseCache | None],
        pool: Callable[[], Any],
        build: str,
    ) -> None:
        self.requests, self.read_model = requests, read_model
        self.cache, self.pool, self.build = cache, pool, build
        self.swapped_at: float | None = None
        read_model.listeners.append(self._swapped)

    def _swapped(self) -> None:
        self.swapped_at = time.time()

    def collect(self) -> Iterable[Metric]:
        yield from self._http()
        yield from self._cache()
        yield from self._dataset()
        yield from self._pool()
        info = GaugeMetricFamily("cica_build_info", "The running version.", labels=["version"])
        info.add_metric([self.build], 1)
        yield info

    def _http(self) -> Iterator[Metric]:
        self.requests.sync()
        counts = CounterMetricFamily(
            "cica_http_requests",
            "Requests answered, by route template, method and status (304s included).",
            labels=["route", "method", "status"],
        )
        for (route, method, status), count in self.requests.requests.copy().items():
            counts.add_metric([route, method, str(status) if status else OTHER], count)
        yield counts
        latency = HistogramMetricFamily(
            "cica_http_request_duration_seconds",
            "Time from a request's arrival at the edge to the end of its response.",
            labels=["route", "method"],
        )
        for (route, method), series in self.requests.durations.copy().items():
            values = list(series)
            cumulative, buckets = 0.0, []
            for bound, in_bucket in zip((*(str(b) for b in BUCKETS), "+Inf"), values, strict=False):
                cumulative += in_bucket
                buckets.append((bound, cumulative))
            latency.add_metric([route, method], buckets, values[-1])
        yield latency

    def _cache(self) -> Iterator[Metric]:
        cache = self.cache()
        if cache is None:
            return
        yield CounterMetricFamily(
            "cica_cache_hits", "Reads answered from the response cache.", value=cache.hits
        )
        yield CounterMetricFamily(
            "cica_cache_misses", "Cacheable reads the cache did not hold.", value=cache.misses
        )
        yield GaugeMetricFamily("cica_cache_entries", "Representations held.", value=len(cache))
        yield GaugeMetricFamily(
            "cica_cache_bytes", "Bytes the cache holds (entries and aliases).", value=cache.size
        )
        yield GaugeMetricFamily(
            "cica_cache_max_bytes", "The cache's budget (CICA_CACHE_MAX_BYTES).", cache.max_bytes
        )

    def _dataset(self) -> Iterator[Metric]:
        snapshot = self.read_model.current
        yield GaugeMetricFamily(
            "cica_snapshot_loaded",
            "1 once a snapshot is served, else 0.",
            int(snapshot is not None),
        )
        yield GaugeMetricFamily(
            "cica_dataset_refresh_failing",
            "1 while the last attempt to read the database failed (reads go on from the last "
            "snapshot), else 0.",
            int(self.read_model.last_error is not None),
        )
        yield CounterMetricFamily(
            "cica_snapshot_swaps", "Snapshots swapped in.", value=self.read_model.generation
        )
        if snapshot is None:
            return
        yield GaugeMetricFamily(
            "cica_dataset_version", "The dataset version being served.", snapshot.version
        )
        yield GaugeMetricFamily(
            "cica_dataset_last_modified_timestamp_seconds",
            "When the served dataset last changed (Unix time).",
            snapshot.last_modified.timestamp(),
        )
        if self.swapped_at is not None:
            yield GaugeMetricFamily(
                "cica_snapshot_age_seconds",
                "Seconds since the served snapshot was swapped in.",
                max(0.0, time.time() - self.swapped_at),
            )
        yield GaugeMetricFamily(
            "cica_snapshot_build_seconds", "How long building it took.", snapshot.build_seconds
        )
        yield GaugeMetricFamily(
            "cica_snapshot_records", "Records in it, all collections.", snapshot.records
        )

    def _pool(self) -> Iterator[Metric]:
        pool = self.pool()
        if not isinstance(pool, QueuePool):
            return
        gauges = (
            ("cica_db_pool_size", "Connections the pool keeps (CICA_DB_POOL_SIZE).", pool.size()),
            ("cica_db_pool_checked_out", "Connections in use.", pool.checkedout()),
            ("cica_db_pool_checked_in", "Idle connections in the pool.", pool.checkedin()),
            (
                "cica_db_pool_overflow",
                "Connections beyond the pool size (negative: not yet opened).",
                pool.overflow(),
            ),
        )
        for name, documentation, value in gauges:
            yield GaugeMetricFamily(name, documentation, value)


def build_registry(collector: CicaCollector) -> CollectorRegistry:
    """The app's collector plus the process, platform and GC collectors, in a registry of
    its own (not the global one, so several apps in one process never clash)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    for standard in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
        registry.register(standard)
    return registry


def start_metrics_server(
    registry: CollectorRegistry, host: str, port: int, *, tries: int = 64
) -> tuple[WSGIServer, threading.Thread]:
    """Serve `/metrics` from a thread on the first free port from `port` upwards, so each of
    several uvicorn workers gets a port (and a scrape target) of its own."""
    error: OSError | None = None
    for candidate in range(port, port + (tries if port else 1)):
        try:
            return start_http_server(candidate, host, registry)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            error = exc
    assert error is not None
    raise error


def stop_metrics_server(server: WSGIServer, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


class MetricsExport:
    """The registry and where it is served: on a port of its own (`CICA_METRICS_PORT`, on
    loopback by default; `/metrics` on the API's port is then a 404), or, with no `port`
    (`CICA_METRICS_ON_API_PORT`), at `/metrics` on the API's port."""

    def __init__(self, registry: CollectorRegistry, *, host: str, port: int | None) -> None:
        self.registry, self.host, self.port = registry, host, port
        self.bound_port: int | None = None
        self._server: tuple[WSGIServer, threading.Thread] | None = None

    @property
    def on_api_port(self) -> bool:
        return self.port is None

    def render(self, accept: str | None) -> tuple[bytes, str]:
        """Prometheus text, or OpenMetrics when the scraper asks for it."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type

    def start(self) -> None:
        if self.port is None or self._server is not None:
            return
        self._server = start_metrics_server(self.registry, self.host, self.port)
        self.bound_port = self._server[0].server_port
        logger.info(
            "metrics served on port %d",
            self.bound_port,
            extra={"host": self.host, "port": self.bound_port},
        )

    def stop(self) -> None:
        if self._server is not None:
            stop_metrics_server(*self._server)
            self._server = None
