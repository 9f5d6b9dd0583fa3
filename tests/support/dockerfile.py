"""The Dockerfile read as instructions per stage (tests run what it says, outside Docker)."""

import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
# Where the builder puts the virtual environment that the runtime stage copies.
IMAGE_VENV_BIN = "/app/.venv/bin"


@dataclass
class Stage:
    """One `FROM` stage: its instructions as (keyword, arguments) in order."""

    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for key, args in self.instructions if key == keyword]

    def last(self, keyword: str) -> str:
        found = self.all(keyword)
        assert found, f"the runtime stage has no {keyword}"
        return found[-1]


def parse_stages(text: str) -> list[Stage]:
    """Instructions per stage, continuation lines joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    stages: list[Stage] = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stages.append(Stage(base=args.strip()))
        else:
            assert stages, f"{keyword} before any FROM"
            stages[-1].instructions.append((keyword, args.strip()))
    return stages


def exec_form(args: str) -> list[str]:
    """A `CMD`/`ENTRYPOINT` in JSON (exec) form; the shell form would put `sh -c` in front
    of the server, which then never receives `docker stop`'s SIGTERM."""
    assert args.startswith("["), f"not in exec form (JSON array): {args}"
    argv = json.loads(args)
    assert isinstance(argv, list) and all(isinstance(a, str) for a in argv), args
    return argv


def env_of(stage: Stage) -> dict[str, str]:
    """The stage's `ENV key=value ...` pairs (values may refer to `$PATH`)."""
    env: dict[str, str] = {}
    for args in stage.all("ENV"):
        for pair in shlex.split(args):
            key, sep, value = pair.partition("=")
            assert sep, f"ENV without '=' is deprecated: {args}"
            env[key] = value
    return env


def healthcheck_argv(stage: Stage) -> list[str]:
    args = stage.last("HEALTHCHECK")
    _, sep, command = args.partition("CMD ")
    assert sep, f"HEALTHCHECK without CMD: {args}"
    return exec_form(command.strip())


STAGES = parse_stages(DOCKERFILE.read_text(encoding="utf-8"))
RUNTIME = STAGES[-1]
IMAGE_PORT = int(RUNTIME.last("EXPOSE").split("/")[0])


def image_command() -> list[str]:
    entrypoint = [exec_form(a) for a in RUNTIME.all("ENTRYPOINT")]
    return [*(entrypoint[-1] if entrypoint else []), *exec_form(RUNTIME.last("CMD"))]


def with_port(argv: list[str], port: int) -> list[str]:
    """`argv` with the image's port replaced by `port`, in `--port N` and in URLs."""
    replaced = [
        str(port) if a == str(IMAGE_PORT) and argv[i - 1] == "--port" else a
        for i, a in enumerate(argv)
    ]
    return [a.replace(f"127.0.0.1:{IMAGE_PORT}", f"127.0.0.1:{port}") for a in replaced]
