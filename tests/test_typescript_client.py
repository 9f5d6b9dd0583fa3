"""A frontend's typed client: types generated from the live OpenAPI document with
openapi-typescript, and `clients/typescript/src/program.ts` (openapi-fetch calls to
`listMembers`, `getMember` and the search) type-checked against them with `tsc --strict`.

The program reads a list's `data[0].name`, a detail's `history` and an error's `detail`
with no casts and no `any`, and its `@ts-expect-error` lines fail the check if any of those
types becomes `any` or loose. Needs node and npm (CI has them); `npm ci` installs the pinned
tools from `package-lock.json` into `clients/typescript/node_modules`.
"""

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scripts.openapi_dump import document

CLIENT = Path(__file__).resolve().parents[1] / "clients" / "typescript"
NPM = shutil.which("npm")

MISSING = "node and npm are not installed: the TypeScript client check cannot run"


@pytest.fixture(scope="module", autouse=True)
def node() -> None:
    """Skipped where node or npm is missing, except in CI (`.ci/run` installs them there)."""
    if NPM is None or shutil.which("node") is None:
        if os.environ.get("CI"):
            pytest.fail(MISSING + " in CI")
        pytest.skip(MISSING + " (apt-get install nodejs npm)")


NPM_ENV = {
    "npm_config_cache": str(CLIENT / ".npm-cache"),  # nothing cached outside the repo
    "npm_config_update_notifier": "false",
}


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=CLIENT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **NPM_ENV},
    )


@pytest.fixture(scope="module")
def tools() -> None:
    installed = CLIENT / "node_modules" / ".package-lock.json"
    lock = CLIENT / "package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return  # already installed from this lock
    assert NPM is not None
    result = _run(NPM, "ci", "--no-audit", "--no-fund", "--loglevel=error")
    assert result.returncode == 0, result.stderr


def _typecheck(spec: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    (CLIENT / "openapi.json").write_text(json.dumps(spec), encoding="utf-8")
    generated = _run(
        "node_modules/.bin/openapi-typescript", "openapi.json", "-o", "src/schema.d.ts"
    )
    assert generated.returncode == 0, generated.stderr + generated.stdout
    return _run("node_modules/.bin/tsc", "-p", "tsconfig.json")


def test_program_type_checks_against_the_live_document(tools: None) -> None:
    result = _typecheck(document())
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_fails_when_types_regress(tools: None) -> None:
    """The regressions the check exists for, in one document (tsc reports every error):
    a list's 200 whose JSON body may be a string, and errors without a schema."""
    spec = copy.deepcopy(document())
    content = spec["paths"]["/v1/members"]["get"]["responses"]["200"]["content"]
    envelope = content["application/json"]["schema"]
    content["application/json"]["schema"] = {"anyOf": [envelope, {"type": "string"}]}
    for status, response in spec["paths"]["/v1/members/{member_id}"]["get"]["responses"].items():
        if status.startswith(("4", "5")):
            response["content"] = {"application/problem+json": {}}
    result = _typecheck(spec)
    assert result.returncode != 0
    errors = [line for line in result.stdout.splitlines() if line.startswith("src/program.ts")]
    assert any("'data' does not exist" in line for line in errors), result.stdout
    assert any("'detail' does not exist" in line for line in errors), result.stdout
