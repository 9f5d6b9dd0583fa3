"""Concurrency check: many clients against a real server started with `cica-api serve`.

    python -m scripts.load_test --clients 50 --seconds 10            # SQLite
    python -m scripts.load_test --database-url postgresql://127.0.0.1/test

Prints requests, failures, throughput and latency percentiles; exits non-zero if any
request failed or took longer than --stall seconds. The pool is kept deliberately small
(5 connections, no overflow) and the response cache off (unless --cache), so every request
runs its queries and a session pattern that held connections would stall.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PATHS = ("/v1/members?limit=50", "/v1/members/KZ", "/v1/observers?as_of=2015-06-01", "/v1/councils")


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    def summary(self) -> str:
        return (
            f"{len(self.latencies)} requests in {self.seconds:.1f}s "
            f"({len(self.latencies) / self.seconds:.0f}/s), {len(self.failures)} failed; "
            f"latency p50 {self.percentile(0.5) * 1000:.1f} ms, p99 {self.percentile(0.99) * 1000:.1f} ms, "
            f"max {max(self.latencies, default=0) * 1000:.1f} ms, "
            f"mean {statistics.fmean(self.latencies or [0]) * 1000:.1f} ms"
        )


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(
    database_url: str,
    *,
    workers: int = 1,
    cache: bool = True,
    cwd: Path | None = None,
    ready_path: str = "/readyz",
    boot_seconds: float = 60.0,
) -> Iterator[str]:
    """Start `cica-api serve` (the Dockerfile's command) and wait until `ready_path`
    answers 200 (a booting server may refuse connections or answer 503).

    `cache=False` turns the response cache off, so every request is rendered. With `cwd`
    the server runs from that folder (as in the container), importing this checkout."""
    port = free_port()
    env = {
        **os.environ,
        "CICA_DATABASE_URL": database_url,
        "CICA_DB_POOL_SIZE": "5",
        "CICA_DB_MAX_OVERFLOW": "0",
        "CICA_LOG_LEVEL": "warning",
        **({} if cache else {"CICA_CACHE_MAX_BYTES": "0"}),
    }
    if cwd is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [
        sys.executable,
        "-m",
        "app.cli",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + boot_seconds
        status = "no answer"
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"server exited: {log.read().decode()[-3000:]}")
            try:
                response = httpx.get(base + ready_path, timeout=2, trust_env=False)
                if response.status_code == 200:
                    break
                status = f"HTTP {response.status_code}"
            except httpx.TransportError as exc:
                status = type(exc).__name__
            if time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(
                    f"{ready_path} not 200 in {boot_seconds:.0f} s ({status}): "
                    + log.read().decode()[-3000:]
                )
            time.sleep(0.2)
        yield base
    finally:
        stop_process(process)
        log.close()


def hammer(base: str, *, clients: int, seconds: float, timeout: float = 30.0) -> LoadResult:
    """`clients` threads, each a keep-alive client, requesting in a loop for `seconds`."""
    result = LoadResult()
    lock = threading.Lock()
    # Clients are made before the clock starts: making 50 (TLS contexts and all) can take
    # seconds on a busy machine, which would otherwise eat the whole run.
    http_clients = [httpx.Client(base_url=base, timeout=timeout) for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    stop_at = 0.0

    def worker(index: int) -> None:
        with http_clients[index] as client:
            n = index
            start.wait()
            while time.monotonic() < stop_at:
                path = PATHS[n % len(PATHS)]
                n += 1
                started = time.perf_counter()
                try:
                    status = client.get(path).status_code
                    problem = None if status == 200 else f"{path}: HTTP {status}"
                except httpx.HTTPError as exc:
                    problem = f"{path}: {type(exc).__name__}"
                elapsed = time.perf_counter() - started
                with lock:
                    result.latencies.append(elapsed)
                    if problem:
                        result.failures.append(problem)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    stop_at = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - began
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="default: a new SQLite file")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument(
        "--stall", type=float, default=5.0, help="slowest acceptable request, seconds"
    )
    parser.add_argument(
        "--cache",
        action="store_true",
        help="keep the response cache on (default: off, so every request runs its queries)",
    )
    args = parser.parse_args()
    # Fifty clients from one address would use the anonymous quota in a second: this
    # measures the read path, not the rate limits (python -m scripts.bench_rate_limits does).
    os.environ.setdefault("CICA_RATE_LIMITS", "false")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/load.db"
        with running_server(url, cache=args.cache) as base:
            result = hammer(base, clients=args.clients, seconds=args.seconds)
    cache = "cache on" if args.cache else "cache off"
    print(f"{url.split(':')[0]} ({cache}): {args.clients} clients, {result.summary()}")
    for failure in sorted(set(result.failures))[:10]:
        print("  failed:", failure)
    slowest = max(result.latencies, default=0)
    return 0 if not result.failures and slowest < args.stall else 1


if __name__ == "__main__":
    sys.exit(main())
