"""What an operator sees when a setting cannot work: every subcommand that uses the
database answers a bad URL, an unknown driver, an unreachable server, a missing database
and an unwritable SQLite path with one line naming the setting, and exit code 2; `serve`
checks its options; its help names its defaults and the main settings."""

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app import cli
from app.core.config import Settings
from tests.conftest import POSTGRES_URL, SOURCES_DIR

COMMANDS = ["migrate", "seed", "serve"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _missing_database() -> str:
    assert POSTGRES_URL is not None
    url = make_url(Settings(database_url=POSTGRES_URL).database_url)
    return url.set(database=f"missing_{uuid.uuid4().hex[:8]}").render_as_string(hide_password=False)


BAD_URLS = {
    "not a URL": lambda: "nonsense",
    "unknown driver": lambda: "mysql://cica@127.0.0.1/cica",
    "unreachable server": lambda: f"postgresql://cica@127.0.0.1:{_free_port()}/cica",
    "unwritable SQLite path": lambda: "sqlite:////nonexistent-folder/deeper/cica.db",
    "missing database": _missing_database,
}


def _run(*argv: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *argv],
        env={**os.environ, "CICA_DB_TIMEOUT": "2", **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("problem", list(BAD_URLS))
def test_a_database_setting_that_cannot_work_is_one_line_and_exit_2(
    command: str, problem: str
) -> None:
    if problem == "missing database" and POSTGRES_URL is None:
        pytest.skip("needs PostgreSQL (CICA_TEST_POSTGRES_URL)")
    argv = [command, "--port", str(_free_port())] if command == "serve" else [command]
    result = _run(*argv, env={"CICA_DATABASE_URL": BAD_URLS[problem]()})
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "CICA_DATABASE_URL" in lines[0] and "Traceback" not in result.stderr
    assert lines[0].startswith(f"cica-api {command}: ")


def test_check_sources_needs_no_database() -> None:
    result = _run("check-sources", str(SOURCES_DIR), env={"CICA_DATABASE_URL": "nonsense"})
    assert result.returncode == 0, result.stderr
    assert "0 problems" in result.stdout


def test_an_invalid_setting_is_one_line_and_exit_2() -> None:
    result = _run("migrate", env={"CICA_PUBLIC_URL": "ftp://example.org"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cica-api migrate: CICA_PUBLIC_URL: "), lines


@pytest.mark.parametrize(
    ("option", "value"),
    [("--port", "70000"), ("--port", "0"), ("--port", "http"), ("--workers", "0")],
)
def test_serve_checks_its_options(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", option, value])
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert f"{option}: " in error and value in error and "Traceback" not in error


def test_serve_on_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """Found before it migrates or seeds anything, not logged by uvicorn after start-up."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        database = f"sqlite:///{tmp_path}/cica.db"
        result = _run("serve", "--port", port, env={"CICA_DATABASE_URL": database})
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"cica-api serve: --host 127.0.0.1 --port {port}: the port is in use: "
        "stop what listens there or choose another --port"
    ], result.stderr[-2000:]
    assert not (tmp_path / "cica.db").exists()


def test_serve_help_names_its_defaults_and_the_main_settings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", "--help"])
    text = capsys.readouterr().out
    for option, default in [
        ("--host", "127.0.0.1"),
        ("--port", "8000"),
        ("--workers", "1"),
        ("--loop", "uvloop"),
    ]:
        line = " ".join(text.split(option, 2)[-1].split()[:40])
        assert f"default: {default}" in line, (option, line)
    for setting in ("CICA_DATABASE_URL", "CICA_PUBLIC_URL", "CICA_MAX_CONNECTIONS"):
        assert setting in text
        assert setting.removeprefix("CICA_").lower() in Settings.model_fields
