"""The process's current snapshot and the background work that keeps it current.

At start the database is brought to the migration head, seeded if empty and read into a
snapshot. If the database is down, the server starts anyway: reads and `/readyz` answer
503 until it answers, then the same steps run and the server serves, with no restart.
Afterwards the dataset version is polled every `CICA_VERSION_POLL_SECONDS`; a new version
(or a new day, for date-dependent fields) builds a new snapshot from the previous one,
reading again only what the new versions changed (`build_snapshot(previous=...)`), and
swaps it in atomically.
While the database is away, the last snapshot keeps being served.

Every database call runs in a worker thread and is awaited for at most `CICA_DB_TIMEOUT`;
a call that hangs (a frozen database) is not started again until it returns, so hung
threads never pile up.
"""

import asyncio
import contextlib
import datetime as dt
import gc
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import anyio
from sqlalchemy import Engine

from app.core.migrations import current_revision, head_revision, prepare_database
from app.core.snapshot import Readable, Snapshot, build_snapshot, read_version_of

logger = logging.getLogger("app.dataset")
T = TypeVar("T")
WORK_TIMEOUT = 15.0
STOP_SECONDS = 5.0


class DatabaseTimeout(Exception):
    """The database did not answer within the bound."""


class SingleFlight:
    """At most one call in flight; callers wait for it for at most `timeout` seconds."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._limiter = anyio.CapacityLimiter(1)
        self._task: asyncio.Future[Any] | None = None
        self.started_at = float("-inf")
        """When the call in flight (or the last one) started, on `time.monotonic()`."""

    async def run(self, call: Callable[[], T]) -> T:
        if self._task is None or self._task.done():
            self.started_at = time.monotonic()
            # Abandoned on cancel: shutting down never waits on a thread stuck in a driver.
            self._task = asyncio.ensure_future(
                anyio.to_thread.run_sync(call, limiter=self._limiter, abandon_on_cancel=True)
            )
        task = self._task
        try:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancel
            # that lands as the call completes, and a poller cancelled that way polled on
            # and hung its shutdown (seen in CI).
            async with asyncio.timeout(self.timeout):
                result: T = await asyncio.shield(task)
        except TimeoutError:
            raise DatabaseTimeout(f"no answer within {self.timeout:g} s") from None
        return result

    def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()


class ReadModel:
    """Holds the current snapshot; `generation` grows with every swap."""

    def __init__(self) -> None:
        self.current: Snapshot | None = None
        self.generation = 0
        self.listeners: list[Callable[[], None]] = []
        self.last_error: str | None = None

    def swap(self, snapshot: Snapshot) -> None:
        self.current = snapshot
        self.generation += 1
        for listener in self.listeners:
            listener()
        # The snapshot lives until the next version: keep the cyclic collector from walking
        # its hundreds of thousands of objects again and again (pauses of tens of ms seen).
        gc.collect()
        gc.freeze()


class Maintainer:
    """Bootstraps the database and the snapshot, then keeps the snapshot current."""

    def __init__(
        self,
        engine: Engine,
        read_model: ReadModel,
        *,
        timeout: float,
        poll_seconds: float,
        collections: Sequence[Readable],
        seed: Callable[[Engine], object] | None,
        today: Callable[[], dt.date] = dt.date.today,
        review_after_months: int | None = None,
    ) -> None:
        self.engine, self.read_model = engine, read_model
        self.review_after_months = review_after_months
        self.poll_seconds, self.seed, self.today = poll_seconds, seed, today
        self.collections = collections
        self.prepared = False
        # Migrating, seeding and building a snapshot hold no request up; they get longer.
        self._work = SingleFlight(max(WORK_TIMEOUT, 3 * timeout))
        self._probe = SingleFlight(timeout)
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._refreshing = asyncio.Lock()

    async def start(self) -> None:
        """One attempt now (so a healthy start serves at once), the rest in the background."""
        await self._attempt()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Cancel the poller and any database call in flight, without waiting on a thread
        (a shutdown that waited on one was seen to hang the test suite under load)."""
        self._stopping = True
        self._work.cancel()
        self._probe.cancel()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, STOP_SECONDS)

    async def _run(self) -> None:
        """Poll every `poll_seconds`; after a failure retry sooner, backing off to 5 s."""
        ok = self.read_model.current is not None
        retry = 0.2
        while not self._stopping:
            if ok:
                retry = 0.2
                await asyncio.sleep(self.poll_seconds)
            else:
                await asyncio.sleep(min(retry, self.poll_seconds))
                retry = min(retry * 2, 5.0)
            ok = await self._attempt()

    async def _attempt(self) -> bool:
        try:
            if not self.prepared:
                await self._work.run(self._prepare)
                self.prepared = True
            await self.refresh()
        except Exception as exc:  # any database failure: keep serving what we have
            message = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            if message != self.read_model.last_error:
                logger.warning("dataset not refreshed: %s", message)
            self.read_model.last_error = message
            return False
        self.read_model.last_error = None
        return True

    def _prepare(self) -> None:
        seed = self.seed
        prepare_database(self.engine, (lambda: seed(self.engine)) if seed else None)

    async def refresh(self) -> bool:
        """Build and swap in a new snapshot if the version or the day changed (one refresh
        at a time: the poller's and the writes' `catch_up` take turns)."""
        async with self._refreshing:
            return await self._refresh()

    async def _refresh(self, *, behind: bool = False) -> bool:
        """`behind`: the caller knows of a newer version (a write's), so the version is
        not asked for first."""
        current = self.read_model.current
        if not behind:
            version = await self._work.run(lambda: read_version_of(self.engine))
            same_day = current is not None and current.day == self.today()
            if current is not None and current.version == version and same_day:
                return False
        snapshot = await self._work.run(
            lambda: build_snapshot(
                self.engine,
                self.collections,
                today=self.today,
                review_after_months=self.review_after_months,
                previous=current,
            )
        )
        self.read_model.swap(snapshot)
        logger.info(
            "snapshot of dataset version %d: %d records in %.1f ms (%d of %d collections read)",
            snapshot.version,
            snapshot.records,
            snapshot.build_seconds * 1000,
            len(snapshot.rebuilt),
            len(snapshot.collections),
        )
        return True

    async def catch_up(self, version: int, *, timeout: float) -> bool:
        """Serve dataset `version` (or a later one) now: a write awaits this after its commit.

        Writes in a burst share rebuilds: the build in flight is joined (`SingleFlight`), and
        the next one reads every version committed before it starts, so N writes cost at
        most a few builds, never N. Reads are served from the current snapshot meanwhile.
        False when `timeout` passes first (the poller still brings the version in)."""

        def reached() -> bool:
            current = self.read_model.current
            return current is not None and current.version >= version

        async def reach() -> None:
            while not reached():
                async with self._refreshing:
                    if not reached():  # a build that ran while this waited may hold it
                        await self._refresh(behind=True)

        try:
            await asyncio.wait_for(reach(), timeout)
        except Exception:  # the database is away, or too slow: the poller catches up later
            return reached()
        return True

    async def probe(self) -> str | None:
        """The database's migration revision, answered within the bound."""
        return await self._probe.run(lambda: current_revision(self.engine))


def schema_is_current(revision: str | None) -> bool:
    return revision == head_revision()
