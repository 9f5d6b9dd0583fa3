"""The OpenAPI document as others' linters read it: Redocly CLI with its `recommended`
rules and Spectral with `spectral:oas` find nothing worse than a warning. And what they
asked for is there: `servers` from `CICA_PUBLIC_URL`, `info.contact`, reads that need no
credentials (`security: []` on the probes, a key or none on the others), and the request
headers a read answers to.

The tools are pinned in tools/openapi-lint/package-lock.json and installed with `npm ci`.
Needs node and npm: skipped where they are missing, except in CI (`.ci/run` installs them),
where this fails instead.
"""

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.config import Settings
from app.main import create_app
from scripts.openapi_dump import document

TOOLS = Path(__file__).resolve().parents[1] / "tools" / "openapi-lint"
MISSING = "node and npm are not installed: the OpenAPI linters cannot run"
ENV = {
    "npm_config_cache": str(TOOLS / ".npm-cache"),  # nothing cached outside the repo
    "npm_config_update_notifier": "false",
    "REDOCLY_TELEMETRY": "off",
    "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
}


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=TOOLS, capture_output=True, text=True, timeout=300, env={**os.environ, **ENV}
    )


@pytest.fixture(scope="module")
def linted() -> Iterator[Path]:
    """The live document in tools/openapi-lint, with the pinned tools installed."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        if os.environ.get("CI"):
            pytest.fail(MISSING + " in CI")
        pytest.skip(MISSING + " (apt-get install nodejs npm)")
    installed = TOOLS / "node_modules" / ".package-lock.json"
    lock = TOOLS / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        result = _run(npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
        assert result.returncode == 0, result.stderr
    path = TOOLS / "openapi.json"
    path.write_text(json.dumps(document()), encoding="utf-8")
    yield path


def test_redocly_recommended_finds_no_error(linted: Path) -> None:
    result = _run("node_modules/.bin/redocly", "lint", linted.name, "--format=json")
    report = json.loads(result.stdout)
    errors = [p for p in report["problems"] if p["severity"] == "error"]
    assert errors == [] and report["totals"]["errors"] == 0, errors[:5]
    assert result.returncode == 0, result.stderr[-2000:]


def test_spectral_oas_finds_no_error(linted: Path, tmp_path: Path) -> None:
    output = tmp_path / "spectral.json"
    result = _run(
        "node_modules/.bin/spectral",
        "lint",
        linted.name,
        "--ruleset",
        ".spectral.yaml",
        "--format",
        "json",
        "--output",
        str(output),
    )
    results = json.loads(output.read_text())
    errors = [r for r in results if r["severity"] == 0]
    assert errors == [], errors[:5]
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_the_linters_would_catch_what_they_were_added_for(linted: Path, tmp_path: Path) -> None:
    """The same document without `servers` and with a read's `security` removed: Redocly
    reports errors (so the checks above can fail)."""
    spoiled = document()
    del spoiled["servers"]
    for operation in spoiled["paths"]["/v1/members"].values():
        del operation["security"]
    path = TOOLS / "spoiled.json"
    path.write_text(json.dumps(spoiled), encoding="utf-8")
    try:
        result = _run("node_modules/.bin/redocly", "lint", path.name, "--format=json")
    finally:
        path.unlink()
    rules = {p["ruleId"] for p in json.loads(result.stdout)["problems"] if p["severity"] == "error"}
    assert {"no-empty-servers", "security-defined"} <= rules, rules
    assert result.returncode != 0


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_servers_contact_and_security_come_from_the_settings() -> None:
    settings = Settings(
        database_url="sqlite://",
        public_url="https://data.example.org/cica",
        contact_url="https://tracker.example.org/cica/issues",
    )
    spec = create_app(settings).openapi()
    assert spec["servers"][0]["url"] == "https://data.example.org/cica"
    assert spec["info"]["contact"]["url"] == "https://tracker.example.org/cica/issues"
    reads = {p: o for p, m, o in _operations(spec) if m == "get"}
    assert reads["/healthz"]["security"] == [] and reads["/readyz"]["security"] == []
    for path, operation in reads.items():
        # Every read may be made with no credentials: an empty requirement is among its own.
        assert {} in operation["security"] or operation["security"] == [], path
    assert reads["/v1/members"]["security"] == [{}, {"bearerAuth": []}]


def test_reads_document_the_headers_they_answer_to() -> None:
    spec = document()
    member = spec["paths"]["/v1/members/{member_id}"]["get"]
    headers = {p["name"] for p in member["parameters"] if p["in"] == "header"}
    assert {"If-None-Match", "Accept-Language"} <= headers
    for path, method, operation in _operations(spec):
        names = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
        if method == "get" and "304" in operation["responses"]:
            assert ("header", "If-None-Match") in names, path
        if ("query", "lang") in names:
            assert ("header", "Accept-Language") in names, path
