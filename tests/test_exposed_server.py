"""`cica-api serve` facing hostile clients directly, with no proxy in front: header floods,
slow clients, idle connections past the cap, and the limits on a request's head.

Each test runs a real server process (`scripts.load_test.running_server`) on SQLite and
on PostgreSQL, and attacks it over raw sockets.
"""

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.core.server import HEADER_TIMEOUT, MAX_HEADER_BYTES, MAX_HEADER_LINES, MAX_URL_BYTES
from scripts.load_test import running_server
from tests.conftest import DatabaseFactory

MB = 1024 * 1024


def _address(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def _server_pid(port: int) -> int:
    """The process serving `port` (started with `--port <port>`)."""
    wanted = f"--port\0{port}\0".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if wanted in (entry / "cmdline").read_bytes():
                    return int(entry.name)
            except OSError:
                continue
    raise AssertionError(f"no process serves port {port}")


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def server(databases: DatabaseFactory) -> Iterator[str]:
    with running_server(databases.url()) as base:
        yield base


def _exchange(base: str, raw: bytes) -> bytes:
    with socket.create_connection(_address(base), timeout=5) as sock:
        sock.sendall(raw)
        return sock.recv(65536)


def test_a_request_head_has_limits(server: str) -> None:
    long_url = b"GET /v1/members?q=" + b"k" * MAX_URL_BYTES + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    assert _exchange(server, long_url).startswith(b"HTTP/1.1 414 ")
    many = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-A: 1\r\n" * MAX_HEADER_LINES + b"\r\n"
    assert _exchange(server, many).startswith(b"HTTP/1.1 431 ")
    large = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * MAX_HEADER_BYTES + b"\r\n\r\n"
    assert _exchange(server, large).startswith(b"HTTP/1.1 431 ")
    fine = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-A: 1\r\n" * 50 + b"\r\n"
    assert _exchange(server, fine).startswith(b"HTTP/1.1 200 ")


def test_host_must_be_there_once_on_http_1_1(server: str) -> None:
    assert _exchange(server, b"GET /healthz HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    two = b"GET /healthz HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n"
    assert _exchange(server, two).startswith(b"HTTP/1.1 400 ")
    assert _exchange(server, b"GET /healthz HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.1 200 ")


def test_metrics_are_not_on_the_api_port(server: str) -> None:
    response = httpx.get(server + "/metrics", trust_env=False)
    assert response.status_code == 404


def test_unfinished_headers_do_not_grow_the_process(server: str) -> None:
    """250 MB of never-finished headers over four connections at a time (each reconnecting
    when the server closes it) grow the server by less than 20 MB."""
    pid = _server_pid(_address(server)[1])
    httpx.get(server + "/v1/members", trust_env=False).raise_for_status()
    before = _rss(pid)
    sent = [0]
    answers: list[bytes] = []
    lock = threading.Lock()
    chunk = b"a" * 65536
    goal = 250 * MB

    def flood() -> None:
        while sent[0] < goal:
            with socket.create_connection(_address(server), timeout=10) as sock:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Flood: ")
                    while sent[0] < goal:
                        sock.sendall(chunk)
                        with lock:
                            sent[0] += len(chunk)
                with contextlib.suppress(OSError):
                    answers.append(sock.recv(64))

    threads = [threading.Thread(target=flood) for _ in range(4)]
    peak = before
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        peak = max(peak, _rss(pid))
        time.sleep(0.02)
    for thread in threads:
        thread.join()
    after = _rss(pid)
    assert sent[0] >= goal
    assert peak - before < 20 * MB, f"grew {(peak - before) / MB:.1f} MB"
    assert after - before < 20 * MB
    assert any(answer.startswith(b"HTTP/1.1 431 ") for answer in answers), answers[:3]
    httpx.get(server + "/healthz", trust_env=False).raise_for_status()


def test_slow_clients_are_closed_and_reads_stay_fast(server: str) -> None:
    """500 connections sending their headers a byte a second are closed within 15 s (the
    header-read timeout), and so is an idle keep-alive connection, while a client reading
    normally meanwhile keeps a p99 under 25 ms."""
    address = _address(server)
    slow = []
    for _ in range(500):
        sock = socket.create_connection(address, timeout=5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        sock.setblocking(False)
        slow.append(sock)
    idle = socket.create_connection(address, timeout=5)
    idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert idle.recv(4096).startswith(b"HTTP/1.1 200 ")
    idle.setblocking(False)
    opened = time.monotonic()
    closed_at: dict[int, float] = {}
    done = threading.Event()

    def drip() -> None:
        while not done.is_set() and len(closed_at) < len(slow) + 1:
            for n, sock in enumerate([*slow, idle]):
                if n in closed_at:
                    continue
                try:
                    if sock.recv(4096) == b"":
                        closed_at[n] = time.monotonic() - opened
                        continue
                except BlockingIOError:
                    pass
                except OSError:
                    closed_at[n] = time.monotonic() - opened
                    continue
                if sock is not idle:
                    try:
                        sock.send(b"X")
                    except OSError:
                        closed_at[n] = time.monotonic() - opened
            done.wait(1.0)

    dripper = threading.Thread(target=drip)
    dripper.start()
    latencies = []
    try:
        with httpx.Client(base_url=server, trust_env=False, timeout=5) as client:
            client.get("/v1/members/KZ").raise_for_status()
            while time.monotonic() - opened < HEADER_TIMEOUT + 2:
                started = time.perf_counter()
                client.get("/v1/members/KZ").raise_for_status()
                latencies.append(time.perf_counter() - started)
                time.sleep(0.01)
        deadline = opened + 15
        while len(closed_at) < len(slow) + 1 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        done.set()
        dripper.join()
        for sock in [*slow, idle]:
            sock.close()
    assert len(closed_at) == len(slow) + 1, f"{len(slow) + 1 - len(closed_at)} still open"
    assert max(closed_at.values()) < 15
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99)]
    assert p99 < 0.025, f"p99 {p99 * 1000:.1f} ms over {len(latencies)} reads"


def test_connections_past_the_cap_leave_healthz_answering(
    databases: DatabaseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    cap = 100
    monkeypatch.setitem(os.environ, "CICA_MAX_CONNECTIONS", str(cap))
    with running_server(databases.url()) as base:
        address = _address(base)
        idle = [socket.create_connection(address, timeout=5) for _ in range(3 * cap)]
        try:
            started = time.monotonic()
            response = httpx.get(base + "/healthz", trust_env=False, timeout=5)
            assert response.status_code == 200
            assert time.monotonic() - started < 2
            assert httpx.get(base + "/v1/members/KZ", trust_env=False).status_code == 200
            open_now = 0
            for sock in idle:
                sock.settimeout(0.01)
                try:
                    open_now += sock.recv(1) != b""
                except TimeoutError:
                    open_now += 1
                except OSError:
                    pass
            assert open_now < cap, f"{open_now} idle connections kept past a cap of {cap}"
        finally:
            for sock in idle:
                sock.close()
