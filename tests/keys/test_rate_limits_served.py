"""Rate limits as `cica-api serve` runs them: two processes share one quota through Redis,
and a forwarded client address is believed only from `CICA_TRUSTED_PROXIES` (uvicorn's
proxy-headers middleware, as `serve` configures it, puts it in the ASGI scope).

The database is not the subject here: one seeded SQLite file, copied for each process."""

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from app.core.db import build_engine
from app.core.migrations import upgrade_to_head
from scripts.load_test import free_port, stop_process
from seed.loader import load

QUOTA = 10
BOOT_SECONDS = 60.0


@dataclass
class Served:
    base: str
    process: "subprocess.Popen[bytes]"
    log: Path


def _serve(database: Path, log: Path, **settings: str) -> Served:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CICA_")}
    env.update(
        CICA_DATABASE_URL=f"sqlite:///{database}",
        CICA_LOG_LEVEL="warning",
        CICA_ACCESS_LOG="false",
        CICA_RATE_LIMITS="true",
        CICA_RATE_LIMIT_ANONYMOUS=str(QUOTA),
        CICA_RATE_LIMIT_ANONYMOUS_WINDOW="3600",
        **settings,
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Served(f"http://127.0.0.1:{port}", process, log)


def _wait_ready(served: Served, deadline: float) -> None:
    with httpx.Client(base_url=served.base, timeout=5, trust_env=False) as client:
        while True:
            assert served.process.poll() is None, served.log.read_text()[-3000:]
            try:
                if client.get("/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, served.log.read_text()[-3000:]
            time.sleep(0.1)


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str
) -> Iterator[dict[str, Served]]:
    """`shared-1` and `shared-2`: Redis, trusting 127.0.0.1 as a proxy; `direct`: neither."""
    import redis

    folder = tmp_path_factory.mktemp("served")
    seeded = folder / "seeded.db"
    engine = build_engine(Settings(database_url=f"sqlite:///{seeded}"))
    upgrade_to_head(engine)
    load(engine)
    engine.dispose()
    prefix = f"cica-test-served-{os.getpid()}-{time.time_ns()}:"
    shared = {
        "CICA_REDIS_URL": redis_url,
        "CICA_REDIS_PREFIX": prefix,
        "CICA_TRUSTED_PROXIES": "127.0.0.1",
    }
    started: dict[str, Served] = {}
    try:
        for name, settings in (("shared-1", shared), ("shared-2", shared), ("direct", {})):
            database = folder / f"{name}.db"
            shutil.copy(seeded, database)
            started[name] = _serve(database, folder / f"{name}.log", **settings)
        deadline = time.monotonic() + BOOT_SECONDS
        for served in started.values():
            _wait_ready(served, deadline)
        yield started
    finally:
        for served in started.values():
            stop_process(served.process)
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
        client.close()


def _get(base: str, forwarded_for: str) -> int:
    response = httpx.get(
        base + "/v1/members/KZ", headers={"X-Forwarded-For": forwarded_for}, trust_env=False
    )
    return response.status_code


def test_two_processes_share_one_quota_through_redis(servers: dict[str, Served]) -> None:
    one, two = servers["shared-1"].base, servers["shared-2"].base
    statuses = [_get((one, two)[n % 2], "198.51.100.7") for n in range(3 * QUOTA)]
    assert statuses.count(200) == QUOTA, statuses
    assert statuses.count(429) == 2 * QUOTA
    assert _get(one, "198.51.100.7") == _get(two, "198.51.100.7") == 429


def test_forwarded_addresses_are_believed_from_a_trusted_proxy(
    servers: dict[str, Served],
) -> None:
    base = servers["shared-1"].base
    statuses = [_get(base, "203.0.113.1") for _ in range(QUOTA + 1)]
    assert statuses == [200] * QUOTA + [429]
    assert _get(base, "203.0.113.2") == 200, "another client behind the proxy has its own quota"


def test_forwarded_addresses_are_ignored_without_trusted_proxies(
    servers: dict[str, Served],
) -> None:
    base = servers["direct"].base
    statuses = [_get(base, f"203.0.113.{n}") for n in range(1, QUOTA + 2)]
    assert statuses == [200] * QUOTA + [429], "every request is the peer's, 127.0.0.1"
