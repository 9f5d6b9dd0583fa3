"""The benchmark's bare-Starlette ceiling runs on the server options `cica-api serve` uses,
so its ratios compare the app with bare Starlette on one server configuration."""

import os
from typing import Any

import pytest

from app import cli
from app.core import server
from scripts import bench


def serve_options(monkeypatch: pytest.MonkeyPatch, *argv: str) -> dict[str, Any]:
    """What `cica-api serve` hands uvicorn (which is not started)."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda *_args, **kwargs: seen.update(kwargs))
    monkeypatch.setattr(cli, "configure_logging", lambda _level: None)
    monkeypatch.setattr(cli, "check_database", lambda _settings: None)
    saved = dict(os.environ)  # serve fills in settings through the environment
    try:
        os.environ.pop("CICA_TRUSTED_PROXIES", None)
        assert cli.main(["serve", *argv]) == 0
    finally:
        os.environ.clear()
        os.environ.update(saved)
        cli.get_settings.cache_clear()
    return seen


def option(name: str) -> str:
    options = bench.CEILING_SERVER_OPTIONS
    return options[options.index(name) + 1]


def test_ceiling_runs_serves_loop_parser_and_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    served = serve_options(monkeypatch)
    assert served["loop"] == option("--loop") == "uvloop"
    assert served["http"] == option("--http") == server.PROTOCOL
    for name in ("limit_concurrency", "timeout_keep_alive", "h11_max_incomplete_event_size"):
        assert str(served[name]) == option("--" + name.replace("_", "-")), name
    assert served["server_header"] is False and "--no-server-header" in bench.CEILING_SERVER_OPTIONS
    assert served["proxy_headers"] is False and "--no-proxy-headers" in bench.CEILING_SERVER_OPTIONS
    assert served["access_log"] is False and "--no-access-log" in bench.CEILING_SERVER_OPTIONS


def test_serve_loop_can_be_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    assert serve_options(monkeypatch, "--loop", "asyncio")["loop"] == "asyncio"
