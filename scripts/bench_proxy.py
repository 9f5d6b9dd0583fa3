"""The reference deployment's proxy, measured natively: nginx with deploy/nginx/'s caching
rules in front of one `cica-api serve` (SQLite), against the same nginx serving the same
bytes from a file.

    python -m scripts.bench_proxy [--duration 3] [--connections 50] [--rounds 5] [--no-priority]

Needs nginx (Debian `nginx-light`) and wrk (Debian `wrk`). Everything listens on
127.0.0.1 (unprivileged ports) in a temporary folder; nginx runs one worker pinned to CPU 0
with the app, wrk on CPU 1, all at nice -20 when run as root (so other work on a shared
machine barely takes CPU from them). Rounds alternate file and proxy; the
median round counts, and the ratio is the median of the rounds' ratios.

It prints, per path, requests/s and p99 from the file and through the proxy, their ratio
(target: >= 0.7) and PASS/FAIL; then it changes the dataset (a record's `updated_at` and a
dataset version bump, as a write would) and measures when the change is visible through the
proxy: at the latest once the cached entry is past `max-age`, when nginx revalidates it
with its ETag in the background (target: within `max-age` of the change).
"""

import argparse
import contextlib
import datetime as dt
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, update
from sqlmodel import col

from scripts.bench.generators import Result, load
from scripts.bench.scenarios import Plan
from scripts.bench.servers import PIN_SERVER, PRIORITY, spawn
from scripts.load_test import free_port, running_server, stop_process

ROOT = Path(__file__).resolve().parents[1]
NGINX_DIR = ROOT / "deploy" / "nginx"
PATHS = ("/v1/members", "/v1/members/KZ")
MIN_RATIO = 0.7
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def nginx_config(folder: Path, *, listen: int, upstream: int, workers: int = 1) -> str:
    """A complete nginx.conf around the project's cica-http.conf and cica-proxy.conf, for
    one app on 127.0.0.1:`upstream`, listening on 127.0.0.1:`listen`; `/static/` serves the
    files in `folder`/static (the file-server baseline)."""
    user = "user root;" if os.geteuid() == 0 else ""  # workers must read the temp folder
    temp = "\n".join(f"    {name}_temp_path {folder / name};" for name in TEMP_PATHS)
    return f"""
{user}
worker_processes {workers};
daemon off;
error_log {folder / "error.log"} warn;
pid {folder / "nginx.pid"};
events {{ worker_connections 4096; }}
http {{
    access_log off;
{temp}
    include {NGINX_DIR / "cica-http.conf"};
    proxy_cache_path {folder / "cache"} levels=1:2 keys_zone=cica:16m max_size=256m
                     inactive=10m use_temp_path=off;
    upstream cica_api {{
        server 127.0.0.1:{upstream};
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{listen};
        location / {{
            include {NGINX_DIR / "cica-proxy.conf"};
        }}
        location /static/ {{
            alias {folder / "static"}/;
            default_type application/json;
        }}
    }}
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    if found is None:
        raise RuntimeError("nginx is not installed (Debian: apt-get install nginx-light)")
    return found


@contextmanager
def running_proxy(upstream: int, folder: Path, *, pin: list[str] | None = None) -> Iterator[str]:
    """nginx with the project's proxy rules in front of 127.0.0.1:`upstream`; yields its
    base URL once it answers."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in (*TEMP_PATHS, "static"):
        (folder / name).mkdir(exist_ok=True)
    port = free_port()
    config = folder / "nginx.conf"
    config.write_text(nginx_config(folder, listen=port, upstream=upstream))
    nginx = nginx_binary()
    check = subprocess.run(
        [nginx, "-t", "-q", "-p", str(folder), "-c", str(config)], capture_output=True, check=False
    )
    if check.returncode:
        raise RuntimeError(f"nginx -t failed: {check.stderr.decode(errors='replace')}")
    process = spawn(
        [*PRIORITY, *(pin or []), nginx, "-p", str(folder), "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=bool(PRIORITY),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"nginx exited: {(folder / 'error.log').read_text()[-2000:]}")
            try:
                httpx.get(base + "/static/none", timeout=1, trust_env=False)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield base
    finally:
        stop_process(process, timeout=10)


def pin_process(pid: int, cpu: int) -> None:
    """Every thread of `pid` on `cpu` (threads started later inherit it), and with
    `PRIORITY` at nice -20 (threads and autogroup), as scripts.bench starts its servers."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        if PIN_SERVER:
            os.sched_setaffinity(int(task.name), {cpu})
        if PRIORITY:
            os.setpriority(os.PRIO_PROCESS, int(task.name), -20)
    if PRIORITY:
        with contextlib.suppress(OSError):
            Path(f"/proc/{pid}/autogroup").write_text("-20")


def server_pid(port: int) -> int | None:
    """The pid listening on 127.0.0.1:`port` (the app started by running_server)."""
    out = subprocess.run(
        ["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, check=False
    ).stdout
    found = re.search(r"pid=(\d+)", out)
    return int(found.group(1)) if found else None


def change_dataset(database_url: str) -> int:
    """What a write does: change a record (its `updated_at`) and bump the dataset version,
    in one transaction (through the models' column types, as the app writes them). Returns
    the new version."""
    from app.models import DatasetVersion, State

    engine = create_engine(database_url)
    now = dt.datetime.now(dt.UTC)
    try:
        with engine.begin() as connection:
            connection.execute(update(State).where(col(State.id) == "KZ").values(updated_at=now))
            connection.execute(
                update(DatasetVersion).values(
                    version=col(DatasetVersion.version) + 1, updated_at=now
                )
            )
            version = connection.execute(select(col(DatasetVersion.version))).scalar_one()
            return int(version)
    finally:
        engine.dispose()


@dataclass
class Row:
    path: str
    file: list[Result]
    proxy: list[Result]

    @staticmethod
    def median(results: list[Result]) -> Result:
        return sorted(results, key=lambda r: r.rps)[len(results) // 2]

    @property
    def ratio(self) -> float:
        """The median of the rounds' ratios: a file run and the proxy run right after it
        share the same load from elsewhere on the machine, so each pair's ratio is steadier
        than the ratio of two medians."""
        return statistics.median(p.rps / f.rps for f, p in zip(self.file, self.proxy, strict=True))


def measure_reads(
    proxy: str, folder: Path, *, duration: float, connections: int, rounds: int
) -> list[Row]:
    port = int(proxy.rsplit(":", 1)[1])
    rows: list[Row] = []
    with httpx.Client(base_url=proxy, timeout=10, trust_env=False) as client:
        for path in PATHS:
            warm = [client.get(path) for _ in range(3)]
            assert all(r.status_code == 200 for r in warm), warm[-1].text
            status = warm[-1].headers.get("x-cache-status")
            if status != "HIT":
                raise RuntimeError(f"{path}: not served from the cache (X-Cache-Status {status})")
            name = path.strip("/").replace("/", "_") + ".json"
            (folder / "static" / name).write_bytes(warm[-1].content)
            static = client.get(f"/static/{name}")
            assert static.content == warm[-1].content, "the file does not hold the same bytes"
            row = Row(path, [], [])
            for n in range(rounds):
                for target, results in ((f"/static/{name}", row.file), (path, row.proxy)):
                    result = load(
                        port,
                        Plan(target),
                        generator="wrk",
                        duration=duration,
                        connections=connections,
                        start=0,
                        nonce=str(n),
                    )
                    if result.errors:
                        raise RuntimeError(f"{target}: {result.errors} errors under load")
                    results.append(result)
            rows.append(row)
            print(
                f"  {path}: {len(warm[-1].content)} bytes; file "
                + ", ".join(f"{r.rps:.0f}" for r in row.file)
                + " /s; proxy "
                + ", ".join(f"{r.rps:.0f}" for r in row.proxy)
                + " /s",
                flush=True,
            )
    return rows


@dataclass
class Freshness:
    max_age: int
    cached_at: float
    changed_at: float
    app_at: float
    proxy_at: float
    statuses: list[str]

    @property
    def visible_after(self) -> float:
        return self.proxy_at - self.changed_at

    @property
    def after_stale(self) -> float:
        return self.proxy_at - (self.cached_at + self.max_age)


def measure_freshness(
    proxy: str, app: str, database_url: str, *, settle: float, timeout: float
) -> Freshness:
    """Cache /v1/members/KZ afresh (a query the read phase did not use), change the data
    `settle` seconds later, then poll the proxy (every 0.2 s) until it serves the new
    version; the app itself is polled too, to tell its 0.5 s poll from the proxy's delay."""
    path = "/v1/members/KZ?fields=id,name,updated_at"
    with (
        httpx.Client(base_url=proxy, timeout=10, trust_env=False) as via_proxy,
        httpx.Client(base_url=app, timeout=10, trust_env=False) as direct,
    ):
        first = via_proxy.get(path)
        cached_at = time.monotonic()
        assert first.headers.get("x-cache-status") == "MISS", first.headers
        old = first.headers["x-dataset-version"]
        max_age = int(re.search(r"max-age=(\d+)", first.headers["cache-control"]).group(1))  # type: ignore[union-attr]
        time.sleep(settle)
        new = str(change_dataset(database_url))
        changed_at = time.monotonic()
        app_at = proxy_at = 0.0
        statuses: list[str] = []
        while not proxy_at:
            now = time.monotonic()
            if now - changed_at > timeout:
                raise RuntimeError(f"version {new} not seen through the proxy in {timeout} s")
            if not app_at and direct.get(path).headers["x-dataset-version"] == new:
                app_at = time.monotonic()
            seen = via_proxy.get(path)
            status = seen.headers.get("x-cache-status", "?")
            if not statuses or statuses[-1] != status:
                statuses.append(status)
            version = seen.headers["x-dataset-version"]
            assert version in (old, new), version
            if version == new:
                proxy_at = time.monotonic()
                assert seen.json()["updated_at"] != first.json()["updated_at"], seen.json()
            time.sleep(0.2)
    return Freshness(max_age, cached_at, changed_at, app_at, proxy_at, statuses)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=3, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--no-priority", action="store_true", help="do not run the servers and wrk at nice -20"
    )
    parser.add_argument(
        "--settle", type=float, default=10, help="seconds between caching and the change"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    if os.geteuid() == 0 and not args.no_priority:
        PRIORITY[:] = ["nice", "-n", "-20"]
    load_average = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="cica-proxy-") as tmp:
        folder = Path(tmp)
        database_url = f"sqlite:///{folder / 'bench.db'}"
        with running_server(database_url, cwd=folder) as app:
            pid = server_pid(int(app.rsplit(":", 1)[1]))
            if pid is not None:
                pin_process(pid, 0)
            upstream = int(app.rsplit(":", 1)[1])
            with running_proxy(upstream, folder / "nginx", pin=PIN_SERVER) as proxy:
                print(
                    f"app {app}, nginx {proxy} ({nginx_binary()}), load average {load_average:.2f}"
                )
                rows = measure_reads(
                    proxy,
                    folder / "nginx",
                    duration=args.duration,
                    connections=args.connections,
                    rounds=args.rounds,
                )
                print("measuring freshness (up to max-age, 60 s) ...", flush=True)
                fresh = measure_freshness(proxy, app, database_url, settle=args.settle, timeout=120)
    ok = True
    print(
        f"\nwrk -c{args.connections}, {args.duration:g} s x {args.rounds} rounds: median round,"
        " median of the rounds' ratios"
    )
    print(f"{'path':<18} {'file /s':>9} {'p99 ms':>7} {'proxy /s':>9} {'p99 ms':>7} {'ratio':>6}")
    for row in rows:
        file, proxy_result = Row.median(row.file), Row.median(row.proxy)
        passed = row.ratio >= MIN_RATIO
        ok &= passed
        print(
            f"{row.path:<18} {file.rps:>9.0f} {file.p99_ms:>7.1f} {proxy_result.rps:>9.0f} "
            f"{proxy_result.p99_ms:>7.1f} {row.ratio:>6.2f}  "
            f"{'PASS' if passed else 'FAIL'} (>= {MIN_RATIO})"
        )
    fresh_ok = fresh.visible_after <= fresh.max_age
    ok &= fresh_ok
    print(
        f"dataset change: served by the app after {fresh.app_at - fresh.changed_at:.1f} s, "
        f"through the proxy after {fresh.visible_after:.1f} s (entry cached "
        f"{fresh.changed_at - fresh.cached_at:.1f} s before the change, max-age {fresh.max_age} s: "
        f"seen {fresh.after_stale:+.1f} s after it went stale; cache statuses "
        f"{' -> '.join(fresh.statuses)})  {'PASS' if fresh_ok else 'FAIL'} (<= max-age)"
    )
    print(f"load average at the end {os.getloadavg()[0]:.2f} (start {load_average:.2f})")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
