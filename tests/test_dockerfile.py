"""The Dockerfile's runtime stage, read and run outside Docker (no engine runs in CI).

The image's `CMD` and `HEALTHCHECK` are taken from the Dockerfile itself and run as written,
with the image's `ENV`, from an empty folder standing for `WORKDIR`; the only substitution
is the port (8000 may be taken on a developer's machine), and the static checks make sure
`EXPOSE`, the `CMD`'s `--port` and the health check's URL agree on it. So the command the
container runs cannot drift from the one tested. hadolint lints the file in `.ci/run`.
"""

import os
import re
import signal
import subprocess
import sys
import time
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scripts.load_test import free_port
from tests.support.dockerfile import (
    IMAGE_PORT,
    IMAGE_VENV_BIN,
    RUNTIME,
    STAGES,
    env_of,
    healthcheck_argv,
    image_command,
    with_port,
)

ROOT = Path(__file__).resolve().parents[1]
BOOT_SECONDS = 60.0


def test_dockerfile_stages_build_from_the_lock_and_run_unprivileged() -> None:
    assert len(STAGES) >= 2, "a builder stage and a runtime stage"
    builder_runs = " ".join(STAGES[0].all("RUN"))
    assert "uv sync --locked --no-dev" in builder_runs, builder_runs
    user = RUNTIME.last("USER").split(":")
    assert all(part.isdigit() and int(part) > 0 for part in user), (
        f"USER {':'.join(user)}: a numeric non-root uid (Kubernetes' runAsNonRoot checks it)"
    )
    copied = RUNTIME.all("COPY")
    assert copied == [
        f"--from=builder {IMAGE_VENV_BIN.removesuffix('/bin')} "
        f"{IMAGE_VENV_BIN.removesuffix('/bin')}"
    ], copied


def test_dockerfile_port_and_healthcheck_agree_with_the_command() -> None:
    argv = image_command()
    assert argv[:2] == ["cica-api", "serve"], argv
    assert argv[argv.index("--port") + 1] == str(IMAGE_PORT), (argv, IMAGE_PORT)
    assert argv[argv.index("--host") + 1] == "0.0.0.0", "reachable from outside the container"
    check = " ".join(healthcheck_argv(RUNTIME))
    assert f"http://127.0.0.1:{IMAGE_PORT}/healthz" in check, check
    assert re.search(r"--timeout=\d+s", RUNTIME.last("HEALTHCHECK")), "a bounded health check"


@pytest.fixture
def image_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """The runtime stage's environment, `/app/.venv/bin` mapped to this checkout's venv and
    `WORKDIR` to an empty folder; no `CICA_*` variable of the developer's leaks in."""
    workdir_in_image = RUNTIME.last("WORKDIR")
    workdir = tmp_path / "workdir"
    workdir.mkdir()
    venv_bin = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CICA_")}
    for key, value in env_of(RUNTIME).items():
        value = value.replace("$PATH", env.get("PATH", "")).replace(IMAGE_VENV_BIN, venv_bin)
        env[key] = value.replace(workdir_in_image, str(workdir))
    assert env["CICA_DATABASE_URL"] == f"sqlite:///{workdir}/cica.db", env["CICA_DATABASE_URL"]
    env.update(NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
    return env, workdir


def _healthcheck(env: dict[str, str], workdir: Path, port: int) -> int:
    argv = with_port(healthcheck_argv(RUNTIME), port)
    return subprocess.run(argv, env=env, cwd=workdir, capture_output=True, timeout=10).returncode


@pytest.fixture
def container(
    image_env: tuple[dict[str, str], Path],
) -> Iterator[tuple[int, subprocess.Popen[bytes], Path]]:
    env, workdir = image_env
    port = free_port()
    assert _healthcheck(env, workdir, port) != 0, "the health check passes with no server"
    log = workdir.parent / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            with_port(image_command(), port), env=env, cwd=workdir, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + BOOT_SECONDS
        while _healthcheck(env, workdir, port) != 0:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, (
                f"unhealthy after {BOOT_SECONDS} s: {log.read_text()}"
            )
            time.sleep(0.2)
        yield port, process, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_image_command_serves_the_dataset_and_stops_on_sigterm(
    container: tuple[int, subprocess.Popen[bytes], Path],
) -> None:
    port, process, log = container
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=5, trust_env=False) as client:
        deadline = time.monotonic() + BOOT_SECONDS
        while (ready := client.get("/readyz")).status_code != 200:
            assert time.monotonic() < deadline, ready.text
            time.sleep(0.2)
        members = client.get("/v1/members", params={"limit": 200})
        assert members.status_code == 200, members.text
        ids = {m["id"] for m in members.json()["data"]}
        assert "KZ" in ids and len(ids) == members.json()["meta"]["total"], ids
        # No CICA_PUBLIC_URL in the image: links name the address served.
        assert members.json()["links"]["self"].startswith(f"{base}/v1/members"), members.json()
    # `docker stop` sends SIGTERM, then SIGKILL after 10 s: the server must be out by then.
    # uvicorn shuts down gracefully, then re-raises the signal it caught.
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) in (0, -signal.SIGTERM)
    assert "shutdown complete" in log.read_text().lower(), log.read_text()[-2000:]


def test_builder_copies_every_package_and_the_wheel_holds_their_data(tmp_path: Path) -> None:
    """The image installs the project as a wheel (non-editable): it must hold the migrations
    and seed files the server reads at start, and the builder must copy every package."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    copied = {args.split()[0] for args in STAGES[0].all("COPY")}
    assert set(packages) <= copied, f"the builder copies {copied}, the wheel needs {packages}"
    uv = Path(sys.executable).parent / "uv"
    subprocess.run(
        [str(uv), "build", "--wheel", "--quiet", "--out-dir", str(tmp_path)],
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = subprocess.run(
        ["git", "ls-files", "migrations", "seed"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    wanted = [name for name in tracked if not name.endswith(".gitignore")]
    assert wanted and not [name for name in wanted if name not in names], sorted(
        name for name in wanted if name not in names
    )
