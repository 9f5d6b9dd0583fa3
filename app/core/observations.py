"""The record of answered requests, folded into the metrics and the access log in batches.

The edge (`app.core.edge`) answers tens of thousands of requests a second on one core, where
a cache hit costs about as much as bare Starlette's routing. Resolving each request's route
template, counting it and rendering its access line as it is answered cost about a tenth
of a hit's throughput (`python -m scripts.bench`, measured 6 December 2026). So the edge
only appends a tuple per request here; the tuples are folded together (the route of a
path resolved once per batch, the counts, the lines handed to the `LineBuffer` in one go):

- every `interval` seconds (0.1 s, the access log's own rhythm), or as soon as
  `max_pending` are waiting (256: a fold of that many takes well under a millisecond, a
  pause that barely shows in the p99 of the requests waiting behind it), on the event loop;
- before the access log's buffer writes (`LineBuffer.flush`: its timer, shutdown, exit,
  a test reading the lines) and before the metrics are read (a scrape), so neither ever
  misses a request answered before it.

All folding runs on the event loop that recorded the requests: a scrape served by the
metrics port's own thread asks that loop to fold and waits for it (at most a second).
"""

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Final

from app.core.logging import AccessLog, Entry
from app.core.metrics import RequestMetrics

Observation = tuple[str, str, int, float, float, str, str | None]
"""(path, method, status, started and ended by `perf_counter`, request id, key name)."""

SCRAPE_WAIT: Final = 1.0


class Observations:
    """Answered requests waiting to be counted and logged (see the module's docstring)."""

    def __init__(
        self,
        routes: Callable[[str], str],
        metrics: RequestMetrics | None,
        access_log: AccessLog | None,
        *,
        interval: float = 0.1,
        max_pending: int = 256,
    ) -> None:
        self.routes, self.metrics, self.access_log = routes, metrics, access_log
        self.interval, self.max_pending = interval, max_pending
        self._pending: list[Observation] = []
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        if access_log is not None:
            access_log.buffer.sources.add(self)
        if metrics is not None:
            metrics.sources.add(self)

    def record(self, observation: Observation) -> None:
        pending = self._pending
        pending.append(observation)
        if self._timer is None:
            self._schedule()
        elif len(pending) >= self.max_pending:
            self.fold()

    def _schedule(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a test calling the app by hand): fold at once
            self.fold()
            return
        self._loop = loop
        self._timer = loop.call_later(self.interval, self.fold)

    def fold(self) -> None:
        """Count and log every pending request now."""
        if self._timer is not None:
            self._timer.cancel()  # also a timer left on a loop that closed (tests)
            self._timer = None
        pending, self._pending = self._pending, []
        if not pending:
            return
        routes, metrics, access_log = self.routes, self.metrics, self.access_log
        offset = time.time() - time.perf_counter()  # perf_counter -> wall clock
        templates: dict[str, str] = {}
        logged: list[Entry] = []
        for path, method, status, started, ended, request_id, key in pending:
            route = templates.get(path)
            if route is None:
                route = templates[path] = routes(path)
            seconds = ended - started
            if metrics is not None:
                metrics.observe(route, method, status, seconds)
            logged.append((route, method, status, seconds, request_id, path, key, ended + offset))
        if access_log is not None:
            access_log.buffer.extend(access_log.lines(logged))

    def sync(self) -> None:
        """Fold now, on the loop that recorded the requests (a scrape from another thread
        waits for it)."""
        loop = self._loop
        if loop is None or loop.is_closed() or not loop.is_running() or _on_loop(loop):
            self.fold()
            return
        done = threading.Event()

        def fold_and_tell() -> None:
            try:
                self.fold()
            finally:
                done.set()

        loop.call_soon_threadsafe(fold_and_tell)
        done.wait(SCRAPE_WAIT)


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
