"""Every command line of the README's "Try it" block, run as written against a real server.

The server is started the way the container starts it (`cica-api serve`, here as
`python -m app.cli serve`) on a new SQLite database, from an empty working directory and
without inherited `CICA_*` variables, so it runs on the defaults a reader gets. The lines
are about that SQLite default, so this test does not also run on PostgreSQL. Each line runs
in `bash -o pipefail` with only `127.0.0.1:8000` replaced by the test server's address.

curl and bash are required, not optional: the lines are curl commands, and a test that
skipped where curl is missing would let a broken README pass unnoticed. Both are base
tools on every machine the project runs on (and on macOS).
"""

import csv
import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.load_test import running_server

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
README_ADDRESS = "127.0.0.1:8000"
LINE_SECONDS = 30.0


def try_it_lines(readme: str) -> list[str]:
    """The command lines of the first code block under the "## Try it" heading."""
    section = re.search(r"^## Try it\n(.*?)(?=^## |\Z)", readme, flags=re.M | re.S)
    assert section, 'README.md has no "## Try it" section'
    block = re.search(r"^```(?:sh|bash|console)?\n(.*?)^```", section.group(1), flags=re.M | re.S)
    assert block, 'the "Try it" section has no code block'
    lines: list[str] = []
    pending = ""
    for raw in block.group(1).splitlines():
        line = pending + raw.strip()
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


LINES = try_it_lines(README.read_text(encoding="utf-8"))


def test_try_it_lines_are_checkable() -> None:
    """Guards the parametrization below: an empty or unreachable block would test nothing."""
    assert len(LINES) >= 5, LINES
    for line in LINES:
        assert f"http://{README_ADDRESS}/" in line, f"not aimed at the README's server: {line}"
        for call in re.split(r"\bcurl\b", line)[1:]:
            options = call.split("http", 1)[0]
            assert re.search(
                r"(?:^|\s)(?:-[A-Za-z]*f[A-Za-z]*|--fail(?:-with-body)?)(?=\s)", options
            ), f"curl without -f/--fail passes silently on an HTTP error: {line}"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is needed to run the README's lines (see this module's docstring)")
    return path


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch
) -> Iterator[str]:
    """`cica-api serve` on a new SQLite database, run from an empty folder as in the
    container, with no `CICA_*` setting of the developer's; yields its `host:port` once it
    serves data (`serve` makes the public URL its own address)."""
    _tool("curl")
    for key in [key for key in os.environ if key.startswith("CICA_")]:
        monkeypatch_module.delenv(key)
    workdir = tmp_path_factory.mktemp("readme")
    with running_server(
        f"sqlite:///{workdir / 'readme.db'}", cwd=workdir, ready_path="/v1/members"
    ) as base:
        yield base.removeprefix("http://")


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.mark.parametrize("line", [pytest.param(line, id=line) for line in LINES])
def test_try_it_line(server: str, line: str) -> None:
    command = line.replace(README_ADDRESS, server)
    env = {**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    result = subprocess.run(
        [_tool("bash"), "-o", "pipefail", "-c", command],
        capture_output=True,
        env=env,
        timeout=LINE_SECONDS,
        check=False,
    )
    out = result.stdout.decode("utf-8")
    assert result.returncode == 0, (
        f"exit {result.returncode}\nstderr: {result.stderr.decode(errors='replace')}\n"
        f"stdout: {out[:1000]}"
    )
    assert out.strip(), "no output"

    if "If-None-Match" in line:
        assert out.strip() == "304", out
    elif "format=csv" in line or "text/csv" in line:
        rows = list(csv.reader(io.StringIO(out)))
        assert len(rows) >= 2, f"a header and no rows:\n{out}"
        assert all(len(row) == len(rows[0]) for row in rows), out
    else:
        body = json.loads(out)
        assert isinstance(body, dict), out[:500]
        if isinstance(body.get("data"), list):
            assert body["data"], f"an example that finds nothing shows nothing:\n{out[:500]}"
