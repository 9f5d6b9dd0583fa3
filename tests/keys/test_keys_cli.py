"""`cica-api keys create|list|revoke`: the key printed once, one-line errors, exit code 2 on
bad input."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from app.cli import main
from app.core.api_keys import KeyRing
from app.core.config import get_settings
from app.services.api_keys import known_keys


@pytest.fixture
def cli(
    fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[pytest.CaptureFixture[str]]:
    monkeypatch.setenv("CICA_DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield capsys
    get_settings.cache_clear()


def run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exit_:  # argparse's own errors
        return int(exit_.code or 0)


def test_create_prints_the_key_once_and_it_works(
    cli: pytest.CaptureFixture[str], fresh_engine: Engine
) -> None:
    assert run(["keys", "create", "--name", "partner-sco", "--scope", "partner"]) == 0
    out, err = cli.readouterr()
    key = out.strip()
    assert key.startswith("cica_") and "\n" not in key, "stdout is the key alone"
    assert "partner-sco" in err and "shown once" in err
    ring = KeyRing()
    ring.replace(known_keys(fresh_engine))
    assert ring.authenticate(f"Bearer {key}".encode()).name == "partner-sco"

    assert run(["keys", "list"]) == 0
    listing = cli.readouterr().out
    assert key not in listing and key.rsplit("_", 1)[1] not in listing
    header, row = listing.splitlines()
    assert header.split() == ["name", "scope", "id", "created", "expires", "revoked", "state"]
    assert row.split()[:3] == ["partner-sco", "partner", key.split("_")[1]]
    assert row.split()[-1] == "active"


def test_expiry_and_revocation_show_in_the_list(cli: pytest.CaptureFixture[str]) -> None:
    assert (
        run(["keys", "create", "--name", "w", "--scope", "write", "--expires", "2999-06-30"]) == 0
    )
    public_id = cli.readouterr().out.split("_")[1]
    assert run(["keys", "revoke", public_id]) == 0
    assert "revoked key 'w'" in cli.readouterr().out
    assert run(["keys", "revoke", "w"]) == 0
    assert "revoked already" in cli.readouterr().out
    assert run(["keys", "list"]) == 0
    row = cli.readouterr().out.splitlines()[1].split()
    assert row[4] == "2999-06-30T00:00:00Z" and row[-1] == "revoked"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--name", "a", "--scope", "admin"], "unknown scope 'admin'"),
        (["--name", "a", "--scope", "write", "--expires", "2030-13-01"], "bad date"),
        (["--name", "a", "--scope", "write", "--expires", "soon"], "bad date"),
        (["--name", "a", "--scope", "write", "--expires", "2030-01-01T10:00"], "needs an offset"),
        (["--name", "a", "--scope", "write", "--expires", "2001-01-01"], "not in the future"),
        (["--name", "bad name", "--scope", "write"], "invalid name"),
        (["--scope", "write"], "required: --name"),
        (["--name", "dup", "--scope", "write"], "exists already"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    cli: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert run(["keys", "create", "--name", "dup", "--scope", "partner"]) == 0
    cli.readouterr()
    assert run(["keys", "create", *argv]) == 2
    out, err = cli.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("cica-api keys create: error: "), err
    assert message in err


def test_revoking_an_unknown_key_is_bad_input(cli: pytest.CaptureFixture[str]) -> None:
    assert run(["keys", "revoke", "nobody"]) == 2
    err = cli.readouterr().err
    assert err.count("\n") == 1 and "no key named 'nobody'" in err


def test_an_unmigrated_database_is_one_line_and_exit_code_1(
    databases: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import DatabaseFactory

    assert isinstance(databases, DatabaseFactory)
    monkeypatch.setenv("CICA_DATABASE_URL", databases.url())
    get_settings.cache_clear()
    try:
        assert run(["keys", "list"]) == 1
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cica-api migrate" in err and "Traceback" not in err
