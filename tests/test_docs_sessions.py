"""The two sessions of docs/writing.md, run as written: a maintainer's (a write key, a
refused uncited change, a cited correction, its revision and feed entry, export and
commit) and a partner's (a partner key, the rate-limit headers, the feed).

Each session's `sh` blocks run in order in one bash (`set -e`, so the variables a block
sets reach the next), from a folder that holds a git repository of a copy of `seed/`, as a
maintainer's checkout does. `cica-api serve` is the one block not run: the test starts the
server the same way, on a new SQLite database in that folder (the default `./cica.db`),
and only `127.0.0.1:8000` is replaced by its address. Like the README's lines these are
about the SQLite default, so the test does not also run on PostgreSQL.
"""

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.load_test import running_server

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "writing.md"
DOC_ADDRESS = "127.0.0.1:8000"
SERVE = "cica-api serve"


def session(text: str, heading: str) -> list[str]:
    """The `sh` blocks under `## heading`, in order, but the one that starts the server."""
    section = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    assert section, f"docs/writing.md has no '## {heading}' section"
    blocks = re.findall(r"^```sh\n(.*?)^```", section.group(1), flags=re.M | re.S)
    return [block.strip() for block in blocks if block.strip() != SERVE]


TEXT = GUIDE.read_text(encoding="utf-8")
MAINTAINER = session(TEXT, "A maintainer's session")
PARTNER = session(TEXT, "A partner's session")


def test_the_sessions_are_checkable() -> None:
    """Guards the tests below: a session that lost its steps would prove nothing."""
    maintainer = "\n".join(MAINTAINER)
    for step in ("keys create", "If-Match", "summary=", "/revisions", "/v1/changes", "export"):
        assert step in maintainer, step
    assert "keys create" in "\n".join(PARTNER) and "--scope partner" in "\n".join(PARTNER)


@pytest.fixture
def checkout(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A git repository holding a copy of `seed/`, and a server run from it on `./cica.db`
    with no `CICA_*` setting of the developer's."""
    folder = tmp_path / "checkout"
    shutil.copytree(
        ROOT / "seed", folder / "seed", ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    env = _environment(folder)
    for command in (
        ["git", "init", "-q"],
        ["git", "add", "seed"],
        ["git", "commit", "-qm", "seed"],
    ):
        subprocess.run(command, cwd=folder, env=env, check=True, capture_output=True)
    saved = {key: os.environ.pop(key) for key in list(os.environ) if key.startswith("CICA_")}
    try:
        with running_server(
            f"sqlite:///{folder / 'cica.db'}", cwd=folder, ready_path="/v1/members"
        ) as base:
            yield folder, base.removeprefix("http://")
    finally:
        os.environ.update(saved)


def _environment(folder: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CICA_")}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(ROOT),
        NO_PROXY="127.0.0.1",
        no_proxy="127.0.0.1",
        GIT_AUTHOR_NAME="Maintainer",
        GIT_AUTHOR_EMAIL="maintainer@example.org",
        GIT_COMMITTER_NAME="Maintainer",
        GIT_COMMITTER_EMAIL="maintainer@example.org",
    )
    return env


def run(folder: Path, address: str, blocks: list[str]) -> subprocess.CompletedProcess[str]:
    script = "set -e -o pipefail\n" + "\n".join(
        f"printf '\\n>>> block {n}\\n'\n{block.replace(DOC_ADDRESS, address)}"
        for n, block in enumerate(blocks)
    )
    return subprocess.run(
        ["bash", "-c", script],
        cwd=folder,
        env=_environment(folder),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_maintainers_session_runs_as_written(checkout: tuple[Path, str]) -> None:
    folder, address = checkout
    result = run(folder, address, MAINTAINER)
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    out = result.stdout
    assert '"status":422' in out.replace(" ", ""), "the uncited change was not refused"
    assert re.search(r"HTTP/1\.1 200", out), "the cited correction was not applied"
    revisions, feed = _blocks_output(out, ["/revisions", "/v1/changes"])
    assert "Description in the words of the Secretariat" in revisions
    assert "councils" in feed and "revision" in feed
    committed = subprocess.run(
        ["git", "show", "--stat", "HEAD"], cwd=folder, capture_output=True, text=True, check=True
    ).stdout
    assert "seed/councils.toml" in committed, committed


def test_a_partners_session_runs_as_written(checkout: tuple[Path, str]) -> None:
    folder, address = checkout
    result = run(folder, address, PARTNER)
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert re.search(r'(?im)^ratelimit-policy: "partner"', result.stdout), result.stdout[:2000]
    assert re.search(r'(?im)^ratelimit: "partner";r=\d+;t=\d+', result.stdout)


def _blocks_output(out: str, markers: list[str]) -> list[str]:
    """The output of the first block whose text holds each marker."""
    parts = re.split(r"^>>> block (\d+)\n", out, flags=re.M)
    by_block = {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}
    found = []
    for marker in markers:
        n = next(i for i, block in enumerate(MAINTAINER) if marker in block)
        found.append(by_block.get(n, ""))
    return found
