"""The servers under load: subprocesses pinned to CPU 0 (the load and this process run
on CPU 1), at raised priority as root; started, probed, timed and stopped here."""

import contextlib
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from scripts.load_test import free_port, stop_process

ROOT = Path(__file__).resolve().parents[2]
READY_PATH = "/v1/members"

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
        # One load generator on one address would be a client over its quota; the
        # rate-limit scenarios (scripts.bench_rate_limits) turn limits on themselves.
        "CICA_RATE_LIMITS": "false",
    }
    if not cache:
        env["CICA_CACHE_MAX_BYTES"] = "0"
    return Server(name, command, env, port, READY_PATH)
