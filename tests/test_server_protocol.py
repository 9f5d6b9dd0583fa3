"""`app.core.server`'s protocol, connection by connection, on transports of the test's own:
which connection the cap closes, when a new one is refused, and when the header-read
timeout fires. (tests/test_exposed_server.py attacks a real server.)"""

import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.server import ServerState

from app.core import server
from app.core.server import GuardedHttpToolsProtocol


class Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += bytes(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(
            name, default
        )

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


class Harness:
    """Connections to one protocol configuration; the app holds every request until
    `release` is set."""

    def __init__(self, limit: int) -> None:
        self.release = asyncio.Event()

        async def app(scope: Any, receive: Any, send: Any) -> None:
            await self.release.wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

        self.config = Config(app=app, limit_concurrency=limit, lifespan="off", http="h11")
        self.config.load()
        self.state = ServerState()

    def connect(self) -> tuple[GuardedHttpToolsProtocol, Transport]:
        protocol = GuardedHttpToolsProtocol(self.config, self.state, {})
        transport = Transport()
        protocol.connection_made(transport)
        return protocol, transport


REQUEST = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"


def test_past_the_cap_the_longest_idle_connection_is_closed() -> None:
    async def run() -> None:
        harness = Harness(limit=4)
        first, second, third = (harness.connect() for _ in range(3))
        third[0].data_received(REQUEST)  # a request in progress: never closed to make room
        await asyncio.sleep(0)
        newest = harness.connect()
        assert first[1].closed and not second[1].closed and not third[1].closed
        assert not newest[1].closed and len(harness.state.connections) == 3
        second[0].data_received(b"GET /healthz HT")  # still sending: idle, closable
        harness.connect()
        assert second[1].closed and not third[1].closed and not newest[1].closed
        harness.release.set()
        await asyncio.sleep(0.01)
        assert third[1].written.startswith(b"HTTP/1.1 200 ")

    asyncio.run(run())


def test_when_every_connection_is_busy_a_new_one_gets_a_503() -> None:
    async def run() -> None:
        harness = Harness(limit=3)
        busy = [harness.connect() for _ in range(2)]
        for protocol, _ in busy:
            protocol.data_received(REQUEST)
        await asyncio.sleep(0)
        _, refused = harness.connect()
        assert refused.closed and refused.written.startswith(b"HTTP/1.1 503 ")
        assert not any(transport.closed for _, transport in busy)
        harness.release.set()
        await asyncio.sleep(0.01)

    asyncio.run(run())


def test_headers_must_arrive_in_time(monkeypatch: Any) -> None:
    monkeypatch.setattr(server, "HEADER_TIMEOUT", 0.05)

    async def run() -> None:
        harness = Harness(limit=10)
        silent = harness.connect()
        slow = harness.connect()
        slow[0].data_received(b"GET /healthz HTTP/1.1\r\nHo")
        done = harness.connect()
        done[0].data_received(REQUEST)
        harness.release.set()
        await asyncio.sleep(0.1)
        assert silent[1].closed and silent[1].written == b""
        assert slow[1].closed and slow[1].written.startswith(b"HTTP/1.1 408 ")
        assert not done[1].closed and done[1].written.startswith(b"HTTP/1.1 200 ")

    asyncio.run(run())


def test_a_large_body_in_one_chunk_with_its_headers_is_read() -> None:
    """Only header bytes count towards the header limit: a write's body of more than the
    limit, arriving in the same chunk as its headers, reaches the app (a 431 was seen)."""

    async def run() -> None:
        harness = Harness(limit=10)
        harness.release.set()
        body = b"x" * (server.MAX_HEADER_BYTES * 2)
        head = b"POST /v1/councils HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
        protocol, transport = harness.connect()
        protocol.data_received(head % len(body) + body)
        await asyncio.sleep(0.01)
        assert transport.written.startswith(b"HTTP/1.1 200 "), transport.written[:200]

        unfinished, refused = harness.connect()
        unfinished.data_received(b"GET / HTTP/1.1\r\nX: " + b"y" * server.MAX_HEADER_BYTES)
        assert refused.closed and refused.written.startswith(b"HTTP/1.1 431 ")

    asyncio.run(run())
