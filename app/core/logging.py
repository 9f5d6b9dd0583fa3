"""JSON log lines on stdout: one per request (the access log) and the app's events.

- **App events** (snapshot loaded, migrations, seeding, errors, uvicorn's own lines) go
  through the standard library's logging, rendered as JSON by structlog's
  `ProcessorFormatter`: `time`, `level`, `logger`, `event`, plus any `extra=` fields (a
  request id, a revision). They are rare, so the cost of stdlib logging does not matter.
- **The access log** is on the hot path: a per-request stdlib logging call halved the
  throughput of cache hits in an earlier measurement. So `AccessLog` builds each line with
  one `orjson.dumps` of a small dict and appends it to a `LineBuffer`, which writes what it
  holds every 100 ms (or at 1,024 lines, and at exit) in one write.

Control characters never reach a line raw, so a path with `%0A` in it cannot forge one:
JSON escapes C0 characters itself, and `escape_json` escapes the rest a terminal or a
log viewer may act on (DEL, C1, U+2028, U+2029) as `\\uXXXX`, so every line is one
physical line of valid JSON that decodes back to the original text.
"""

import asyncio
import atexit
import re
import sys
import time
import weakref
from collections.abc import Iterable, MutableMapping
from typing import Any, BinaryIO, Final, Protocol

import orjson
import structlog

_NOT_ESCAPED_BY_JSON: Final = re.compile("[\x7f-\x9f\u2028\u2029]")


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match[0]):04x}"


def escape_json(line: str) -> str:
    """Escape what JSON encoders leave raw but a terminal or log viewer may act on."""
    return _NOT_ESCAPED_BY_JSON.sub(_json_escape, line)


def render_json(_logger: object, _name: str, event: MutableMapping[str, Any]) -> str:
    """structlog's last processor: `time` and `level` first, then the rest, as one line.
    uvicorn's `color_message` (the message again, with terminal colours) is dropped."""
    event.pop("color_message", None)
    ordered = {"time": event.pop("time", None), "level": event.pop("level", None), **event}
    return escape_json(orjson.dumps(ordered, default=str).decode())


def json_formatter() -> structlog.stdlib.ProcessorFormatter:
    """The formatter of every stdlib log record, uvicorn's included."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            render_json,
        ],
    )


def log_config(level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` for uvicorn's `log_config`, covering our loggers too."""
    level = level.upper()
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": json_formatter}},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": ["default"], "level": level, "propagate": False},
        },
    }


def configure(level: str) -> None:
    import logging.config

    logging.config.dictConfig(log_config(level))


class Source(Protocol):
    """Something that hands the buffer lines of its own (`app.core.observations`)."""

    def sync(self) -> None: ...


class LineBuffer:
    """Lines collected on the event loop and written together: every `interval` seconds,
    as soon as `max_lines` are waiting, and at exit. Without a running loop (a command line
    tool), each line is written at once. Before it writes, every one of its `sources`
    hands over the lines it holds back."""

    def __init__(
        self, stream: BinaryIO | None = None, *, interval: float = 0.1, max_lines: int = 1024
    ) -> None:
        self.stream, self.interval, self.max_lines = stream, interval, max_lines
        self._lines: list[bytes] = []
        self._timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None
        self.sources: weakref.WeakSet[Source] = weakref.WeakSet()

    def write(self, line: bytes) -> None:
        self._lines.append(line)
        self._added()

    def extend(self, lines: list[bytes]) -> None:
        self._lines.extend(lines)
        self._added()

    def _added(self) -> None:
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or len(self._lines) >= self.max_lines:
            self.flush()
        elif self._timer is None or self._timer_loop is not loop:
            self._timer, self._timer_loop = loop.call_later(self.interval, self.flush), loop

    def flush(self) -> None:
        for source in list(self.sources):
            source.sync()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._lines:
            return
        data = b"".join(self._lines)
        self._lines.clear()
        stream = self.stream or sys.stdout.buffer
        try:
            stream.write(data)
            stream.flush()
        except (OSError, ValueError):  # stdout closed or gone: nothing left to tell
            pass


STDOUT: Final = LineBuffer()
"""The process's buffered stdout for access lines (stdout itself is one per process)."""
atexit.register(STDOUT.flush)


Entry = tuple[str, str, int, float, str, str, "str | None", float]
"""One access line's fields: route, method, status, seconds, request id, path, key name (or
None), and when the request was answered (Unix time)."""


class AccessLog:
    """One JSON line per request, appended to a `LineBuffer`."""

    def __init__(self, buffer: LineBuffer = STDOUT) -> None:
        self.buffer = buffer
        self._millisecond = -1
        self._time = ""

    def write(
        self,
        route: str,
        method: str,
        status: int,
        seconds: float,
        request_id: str,
        path: str,
        key: str | None = None,
    ) -> None:
        """`key`: the name of the valid API key the request sent (only then in the line)."""
        self.buffer.write(self.render(route, method, status, seconds, request_id, path, key))

    def render(
        self,
        route: str,
        method: str,
        status: int,
        seconds: float,
        request_id: str,
        path: str,
        key: str | None = None,
        *,
        at: float | None = None,
    ) -> bytes:
        """The line of a request answered `at` (Unix time; default now)."""
        entry = (route, method, status, seconds, request_id, path, key, at or time.time())
        return self.lines([entry])[0]

    def lines(self, entries: Iterable[Entry]) -> list[bytes]:
        """The lines of many requests, rendered in one loop (`app.core.observations` hands
        them over in batches)."""
        dumps, option = orjson.dumps, orjson.OPT_APPEND_NEWLINE
        rendered: list[bytes] = []
        append = rendered.append
        for route, method, status, seconds, request_id, path, key, at in entries:
            fields = {
                "time": self._time if int(at * 1000) == self._millisecond else self._now(at),
                "level": "error" if status >= 500 else "info",
                "logger": "app.access",
                "event": "request",
                "request_id": request_id,
                "method": method,
                "route": route,
                "path": path[:2048],
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
            }
            if key is not None:
                fields["key"] = key
            line = dumps(fields, option=option)
            if not path.isprintable():  # orjson escapes C0 characters, not DEL, C1, U+2028/9
                line = escape_json(line.decode()).encode()
            append(line)
        return rendered

    def _now(self, at: float) -> str:
        """ISO 8601 UTC to the millisecond, formatted at most once per millisecond (at
        thousands of requests a second, most lines reuse the last one)."""
        millisecond = int(at * 1000)
        if millisecond != self._millisecond:
            self._millisecond = millisecond
            second, milli = divmod(millisecond, 1000)
            self._time = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)) + f".{milli:03d}Z"
        return self._time
