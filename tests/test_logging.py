"""JSON log lines: one access line per request with its request id, app events as JSON, no
raw control character in any line, and the buffered writer behind the access log."""

import asyncio
import datetime as dt
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.core import logging as app_logging
from app.core.logging import AccessLog, LineBuffer, json_formatter
from scripts.load_test import free_port
from tests.support.apps import app_on

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "/v1/x\nFORGED\r\x1b[31m\x7f\u0085\u2028\u2029\x00end"
"""Every kind of character a line must not carry raw: C0, DEL, C1, the Unicode separators."""


def assert_one_clean_line(line: str) -> None:
    assert line.endswith("\n") and line.count("\n") == 1, repr(line)
    body = line[:-1]
    raw = [c for c in body if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029"]
    assert raw == [], repr(line)


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> io.BytesIO:
    """What the app's buffered stdout writes, instead of stdout."""
    stream = io.BytesIO()
    monkeypatch.setattr(app_logging.STDOUT, "stream", stream)
    return stream


def lines_of(stream: io.BytesIO) -> list[dict[str, object]]:
    app_logging.STDOUT.flush()
    text = stream.getvalue().decode()
    for line in text.splitlines(keepends=True):
        assert_one_clean_line(line)
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def client(seeded_engine: Engine, captured: io.BytesIO) -> Iterator[TestClient]:
    with TestClient(
        app_on(seeded_engine, access_log=True),
        base_url="http://api.test",
        raise_server_exceptions=False,
    ) as test_client:
        yield test_client


def test_one_json_line_per_request_with_the_fields_operators_filter_on(
    client: TestClient, captured: io.BytesIO
) -> None:
    lines_of(captured)
    captured.seek(0)
    captured.truncate()
    client.get("/v1/members/KZ", headers={"X-Request-ID": "trace-42"})
    client.get("/v1/members/XX")
    client.head("/v1/members")
    lines = lines_of(captured)
    assert len(lines) == 3
    first, missing, head = lines
    assert first["request_id"] == "trace-42"
    assert first["method"] == "GET" and first["route"] == "/v1/members/{member_id}"
    assert first["path"] == "/v1/members/KZ" and first["status"] == 200
    assert first["level"] == "info" and first["event"] == "request"
    assert isinstance(first["duration_ms"], float) and 0 < first["duration_ms"] < 10_000
    stamp = dt.datetime.fromisoformat(str(first["time"]).replace("Z", "+00:00"))
    assert abs(stamp - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", str(first["time"]))
    assert missing["status"] == 404 and missing["route"] == "/v1/members/{member_id}"
    assert len(str(missing["request_id"])) == 32
    assert head["method"] == "HEAD" and head["route"] == "/v1/members"


def test_the_request_id_is_in_the_header_the_problem_and_the_log_line(
    client: TestClient, captured: io.BytesIO
) -> None:
    for sent in ("abc-123", None, "bad id with spaces"):
        headers = {"X-Request-ID": sent} if sent else {}
        response = client.get("/v1/members/XX", headers=headers)
        echoed = response.headers["x-request-id"]
        assert (echoed == sent) is (sent == "abc-123")
        assert response.json()["instance"] == f"/v1/members/XX#request={echoed}"
        assert lines_of(captured)[-1]["request_id"] == echoed


def test_every_problem_names_its_request(client: TestClient) -> None:
    """400, 404 (no route), 405, 406 and 422: FastAPI's handlers and the fast path alike."""
    cases = [
        ("GET", "/v1/members?shoe=1", {}, 400),
        ("GET", "/no/such/route", {}, 404),
        ("PUT", "/v1/members", {}, 405),
        ("GET", "/v1/members", {"Accept": "image/png"}, 406),
        ("GET", "/v1/members?limit=0", {}, 422),
        ("GET", "/v1/exports?x=1", {}, 400),
    ]
    for method, url, headers, status in cases:
        response = client.request(method, url, headers={**headers, "X-Request-ID": "r-1"})
        assert response.status_code == status, url
        instance = response.json()["instance"]
        assert instance.endswith("#request=r-1"), (url, instance)
        assert instance.startswith(url.split("?")[0])


def test_a_500_names_its_request_in_the_problem_and_the_error_event(
    seeded_engine: Engine, captured: io.BytesIO, caplog: pytest.LogCaptureFixture
) -> None:
    app = app_on(seeded_engine, access_log=True)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, base_url="http://api.test", raise_server_exceptions=False) as c:
        response = c.get("/boom", headers={"X-Request-ID": "err-7"})
    assert response.status_code == 500
    assert response.json()["instance"] == "/boom#request=err-7"
    errors = [r for r in caplog.records if r.name == "app.errors"]
    assert errors and all(getattr(r, "request_id", None) == "err-7" for r in errors)
    rendered = json.loads(json_formatter().format(errors[0]))
    assert rendered["request_id"] == "err-7" and rendered["level"] == "error"
    assert "RuntimeError: boom" in rendered["exception"]
    access = [line for line in lines_of(captured) if line["request_id"] == "err-7"]
    assert access[-1]["status"] == 500 and access[-1]["level"] == "error"


def test_a_path_with_control_characters_stays_one_line_and_decodes_back(
    client: TestClient, captured: io.BytesIO
) -> None:
    client.get("/v1/members/%0AFORGED%1B%5B31m%7F%C2%85%E2%80%A8%E2%80%A9")
    logged = lines_of(captured)[-1]
    assert logged["path"] == "/v1/members/\nFORGED\x1b[31m\x7f\u0085\u2028\u2029"
    assert logged["route"] == "/v1/members/{member_id}"


def test_access_line_escapes_every_control_character() -> None:
    buffer = LineBuffer(io.BytesIO())
    AccessLog(buffer).write("/r", "GET", 200, 0.001, "id", HOSTILE)
    assert isinstance(buffer.stream, io.BytesIO)
    buffer.flush()
    line = buffer.stream.getvalue().decode()
    assert_one_clean_line(line)
    assert json.loads(line)["path"] == HOSTILE


def test_app_events_are_json_lines_with_escaped_control_characters() -> None:
    record = logging.LogRecord(
        "app.dataset", logging.WARNING, __file__, 1, "refresh failed: %s", (HOSTILE,), None
    )
    record.version = 3
    line = json_formatter().format(record) + "\n"
    assert_one_clean_line(line)
    event = json.loads(line)
    assert event["event"] == f"refresh failed: {HOSTILE}"
    assert event["level"] == "warning" and event["logger"] == "app.dataset"
    assert event["version"] == 3
    assert list(event)[:2] == ["time", "level"]


def test_access_log_off_writes_nothing(seeded_engine: Engine, captured: io.BytesIO) -> None:
    with TestClient(app_on(seeded_engine, access_log=False), base_url="http://api.test") as c:
        c.get("/v1/members/KZ")
    assert lines_of(captured) == []


def test_lines_wait_for_the_interval_then_go_out_in_one_write() -> None:
    class CountingStream(io.BytesIO):
        writes = 0

        def write(self, data: object) -> int:
            self.writes += 1
            return super().write(data)  # type: ignore[call-overload, no-any-return]

    async def scenario() -> tuple[int, int, int]:
        stream = CountingStream()
        buffer = LineBuffer(stream, interval=0.05)
        for n in range(10):
            buffer.write(b'{"n":%d}\n' % n)
        held = len(stream.getvalue())
        await asyncio.sleep(0.2)
        return held, stream.writes, stream.getvalue().count(b"\n")

    held, writes, lines = asyncio.run(scenario())
    assert (held, writes, lines) == (0, 1, 10)


def test_a_full_buffer_is_written_at_once_and_without_a_loop_each_line_is() -> None:
    stream = io.BytesIO()

    async def fill() -> int:
        buffer = LineBuffer(stream, interval=60, max_lines=5)
        for _ in range(5):
            buffer.write(b"{}\n")
        return stream.getvalue().count(b"\n")

    assert asyncio.run(fill()) == 5
    unbuffered = LineBuffer(io.BytesIO())
    unbuffered.write(b"{}\n")
    assert isinstance(unbuffered.stream, io.BytesIO)
    assert unbuffered.stream.getvalue() == b"{}\n"


def test_serve_writes_only_json_lines_on_stdout_and_flushes_at_shutdown(
    tmp_path: Path,
) -> None:
    """The real server: uvicorn's own lines, migration, seed and snapshot events, and every
    access line (the last ones written by the shutdown flush) are JSON on stdout."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CICA_")},
        "CICA_DATABASE_URL": f"sqlite:///{tmp_path / 'log.db'}",
    }
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(base + "/readyz", trust_env=False).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline and process.poll() is None, "no server"
                time.sleep(0.1)
            for n in range(20):
                httpx.get(f"{base}/v1/members/KZ", headers={"X-Request-ID": f"req-{n}"})
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        out.seek(0)
        text = out.read().decode()
        err.seek(0)
        assert err.read() == b""
    for line in text.splitlines(keepends=True):
        assert_one_clean_line(line)
    events = [json.loads(line) for line in text.splitlines()]
    assert all({"time", "level", "event"} <= event.keys() for event in events)
    messages = [str(event["event"]) for event in events if event["event"] != "request"]
    assert any(m.startswith("migrated from an empty database to ") for m in messages)
    assert any(m.startswith("seeded the empty database") for m in messages)
    assert any(m.startswith("snapshot of dataset version 1") for m in messages)
    assert any("Application startup complete" in m for m in messages)
    assert f"serving the CICA Data API; documentation at {base}/docs" in messages
    assert not [event for event in events if "color_message" in event]
    logged = {event["request_id"] for event in events if event["event"] == "request"}
    assert {f"req-{n}" for n in range(20)} <= logged


def test_a_line_written_after_its_loop_closed_still_goes_out_in_the_next_loop() -> None:
    stream = io.BytesIO()
    buffer = LineBuffer(stream, interval=0.05)

    async def write_and_leave() -> None:
        buffer.write(b"{}\n")  # its timer dies with this loop

    async def write_and_wait() -> None:
        buffer.write(b"{}\n")
        await asyncio.sleep(0.2)

    asyncio.run(write_and_leave())
    asyncio.run(write_and_wait())
    assert stream.getvalue() == b"{}\n{}\n"


def test_instance_is_a_uri_reference_even_for_a_hostile_path(client: TestClient) -> None:
    response = client.get("/v1/members/%D0%9A%20x%0A%22", headers={"X-Request-ID": "u-1"})
    instance = response.json()["instance"]
    assert instance == "/v1/members/%D0%9A%20x%0A%22#request=u-1"
    assert re.fullmatch(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/%#]+", instance)
