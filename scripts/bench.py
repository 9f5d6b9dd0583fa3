"""Benchmark: the real app against a bare-Starlette ceiling, in one run.

    python -m scripts.bench [--duration 5] [--connections 50] [--postgres-url URL]

Starts, one at a time, a bare Starlette app serving the very bytes the real app serves
(the ceiling) and the real app (`cica-api serve`, one uvicorn worker, every production
middleware on) on SQLite and, if reachable, PostgreSQL. The server is pinned to CPU 0 and
the load generator to CPU 1 where `taskset` exists. Each scenario is loaded with wrk if
installed, else with a Python load generator, and the table prints requests/s, p50, p99 and
the ratio to the ceiling measured in the same run. Also: start-up time to the first 200
(fresh database: migrate and seed; and a restart) and resident memory after the load.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from scripts.load_test import free_port

SCENARIOS = {
    # name: (path, extra request headers, expected status)
    "list": ("/v1/members?limit=30", {}, 200),
    "list-304": ("/v1/members?limit=30", {"If-None-Match": "{etag}"}, 304),
    "detail": ("/v1/members/KZ", {}, 200),
    "csv-export": ("/v1/exports/members.csv", {}, 200),
    "search": ("/v1/search?q=kaz", {}, 200),
}
PIN_SERVER = (
    ["taskset", "-c", "0"]
    if shutil.which("taskset") and os.cpu_count() and os.cpu_count() > 1
    else []
)
PIN_LOAD = ["taskset", "-c", "1"] if PIN_SERVER else []


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


class Server:
    def __init__(self, command: list[str], env: dict[str, str], port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.log = tempfile.TemporaryFile()
        started = time.monotonic()
        self.process = subprocess.Popen(
            PIN_SERVER + command, env=env, stdout=self.log, stderr=self.log
        )
        self.startup_seconds = self._wait(started)

    def _wait(self, started: float, path: str = "/v1/members") -> float:
        while time.monotonic() - started < 120:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError("server exited:\n" + self.log.read().decode()[-3000:])
            try:
                if httpx.get(self.base + path, timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server not ready in 120 s")

    def rss_mib(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def app_server(database_url: str) -> Server:
    port = free_port()
    env = {**os.environ, "CICA_DATABASE_URL": database_url, "CICA_LOG_LEVEL": "warning"}
    return Server([sys.executable, "-m", "app.cli", "serve", "--port", str(port)], env, port)


def ceiling_server(folder: Path) -> Server:
    port = free_port()
    env = {**os.environ, "BENCH_BODIES": str(folder)}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "scripts.bench_ceiling:app",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    server = Server.__new__(Server)
    server.base = f"http://127.0.0.1:{port}"
    server.log = tempfile.TemporaryFile()
    started = time.monotonic()
    server.process = subprocess.Popen(
        PIN_SERVER + command, env=env, stdout=server.log, stderr=server.log
    )
    server.startup_seconds = server._wait(started, "/list")
    return server


def load(url: str, headers: dict[str, str], *, duration: float, connections: int) -> Result:
    if shutil.which("wrk"):
        command = [
            *PIN_LOAD,
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--latency",
        ]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
        p50 = _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1))  # type: ignore[union-attr]
        p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1))  # type: ignore[union-attr]
        errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
        socket_errors = re.search(r"Socket errors: (.*)", output)
        return Result(
            rps, p50, p99, int(errors.group(1)) if errors else (1 if socket_errors else 0)
        )
    return _python_load(url, headers, duration=duration, connections=connections)


def _python_load(url: str, headers: dict[str, str], *, duration: float, connections: int) -> Result:
    """Fallback without wrk: keep-alive clients in threads (slower; the ratios stay fair
    only while the generator is not the bottleneck, so prefer wrk)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def worker() -> None:
        nonlocal errors
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                try:
                    ok = client.get(url, headers=headers).status_code in (200, 304)
                except httpx.HTTPError:
                    ok = False
                with lock:
                    latencies.append(time.perf_counter() - started)
                    errors += not ok

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return Result(len(latencies) / (time.monotonic() - began), pick(0.5), pick(0.99), errors)


def _warm(url: str, headers: dict[str, str]) -> None:
    """Fill the cache with the representation wrk asks for: wrk sends no Accept header,
    and httpx would, so use http.client, which sends only what it is given."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request(
        "GET", f"{parts.path}?{parts.query}" if parts.query else parts.path, headers=headers
    )
    connection.getresponse().read()
    connection.close()


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def capture(base: str, folder: Path) -> dict[str, dict[str, str]]:
    """Fetch each scenario from the real app; write its bytes for the ceiling."""
    request_headers = {}
    etag = httpx.get(base + SCENARIOS["list"][0]).headers["etag"]
    for name, (path, headers, status) in SCENARIOS.items():
        sent = {k: v.format(etag=etag) for k, v in headers.items()}
        response = httpx.get(base + path, headers=sent)
        assert response.status_code == status, (name, response.status_code)
        keep = {
            k: v
            for k, v in response.headers.items()
            if k.lower() not in {"content-length", "date", "server"}
        }
        (folder / f"{name}.body").write_bytes(response.content)
        (folder / f"{name}.json").write_text(json.dumps({"status": status, "headers": keep}))
        request_headers[name] = sent
    return request_headers


def run(
    base: str,
    paths: dict[str, str],
    request_headers: dict[str, dict[str, str]],
    args: argparse.Namespace,
) -> dict[str, Result]:
    results = {}
    for name in SCENARIOS:
        url = base + paths[name]
        _warm(url, request_headers[name])
        results[name] = load(
            url, request_headers[name], duration=args.duration, connections=args.connections
        )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "CICA_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()
    print(
        f"load generator: {'wrk' if shutil.which('wrk') else 'python threads'}; "
        f"pinning: {'server cpu0, load cpu1' if PIN_SERVER else 'none'}; "
        f"{args.connections} connections, {args.duration:g} s per scenario\n"
    )

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        backends: dict[str, str] = {"sqlite": f"sqlite:///{folder}/bench.db"}
        admin_url, database = args.postgres_url, f"cica_bench_{uuid.uuid4().hex[:8]}"
        try:
            subprocess.run(
                ["psql", admin_url, "-qc", f"CREATE DATABASE {database}"],
                check=True,
                capture_output=True,
            )
            backends["postgresql"] = admin_url.rsplit("/", 1)[0] + f"/{database}"
        except (subprocess.CalledProcessError, FileNotFoundError):
            print("PostgreSQL not reachable: SQLite only\n")

        table: dict[str, dict[str, Result]] = {}
        extra: list[str] = []
        request_headers: dict[str, dict[str, str]] = {}
        try:
            for backend, url in backends.items():
                server = app_server(url)
                extra.append(
                    f"{backend}: first start (migrate + seed) to first 200: {server.startup_seconds:.2f} s"
                )
                if not request_headers:
                    request_headers = capture(server.base, folder)
                server.stop()
                server = app_server(url)
                extra.append(f"{backend}: restart to first 200: {server.startup_seconds:.2f} s")
                try:
                    table[backend] = run(
                        server.base,
                        {n: p for n, (p, _, _) in SCENARIOS.items()},
                        request_headers,
                        args,
                    )
                    extra.append(
                        f"{backend}: resident memory after the run: {server.rss_mib():.0f} MiB"
                    )
                finally:
                    server.stop()
            ceiling = ceiling_server(folder)
            try:
                table["ceiling"] = run(
                    ceiling.base, {n: f"/{n}" for n in SCENARIOS}, request_headers, args
                )
                extra.append(f"ceiling: resident memory after the run: {ceiling.rss_mib():.0f} MiB")
            finally:
                ceiling.stop()
        finally:
            if "postgresql" in backends:
                subprocess.run(
                    ["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"],
                    capture_output=True,
                )

    print(
        f"{'scenario':<12} {'server':<11} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'ratio':>7}"
    )
    for name in SCENARIOS:
        for backend in ["ceiling", *backends]:
            if backend not in table:
                continue
            r = table[backend][name]
            ratio = r.rps / table["ceiling"][name].rps if "ceiling" in table else float("nan")
            print(
                f"{name:<12} {backend:<11} {r.rps:>9.0f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} {r.errors:>7} {ratio:>7.2f}"
            )
    print()
    for line in extra:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
