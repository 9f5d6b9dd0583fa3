"""Contract test of the write routes with a `write` key (Schemathesis' own CLI, as an
operator would run it, against a served process on a scratch SQLite database): every
check, positive and negative data, the examples, coverage and fuzzing phases per
operation, then the stateful phase, which follows the OpenAPI links from a `POST` to the
`GET`, `PATCH` (with the ETag it answered as `If-Match`) and `DELETE` of the record it
made.

Every operation under `/v1` takes part (the reads too, with the key: a key must change
nothing a read answers); every collection's write routes are built by the same code
(`app.api.v1.writes`), so a small number of examples per operation keeps the run near a
minute on two cores. (`tests/test_contract.py` runs the reads without a key.)

Two checks are told what a write may answer besides what JSON Schema can say:

* positive data (valid per the document) may still be refused with 422, for what a
  schema cannot express (a citation for each field set, a quote found in its document, a
  reference to a record that exists, an English name), with 412 (an `If-Match` that is
  well-formed but not the record's current ETag), with 409 (a `POST` of an id that
  exists), or with 404 (an id that names nothing);
* a missing `If-Match` is answered 428 Precondition Required (RFC 6585), not a 400.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.config import Settings
from app.core.db import build_engine
from app.core.migrations import upgrade_to_head
from scripts.load_test import running_server
from seed.loader import load
from tests.conftest import SOURCES_DIR
from tests.keys.conftest import make_key

PATHS = r"^/v1/"
CONFIG = """
seed = 20261206
suppress-health-check = ["too_slow", "filter_too_much"]

[generation]
mode = "all"
max-examples = 8
deterministic = true
database = "none"

[phases.examples]
enabled = true
[phases.coverage]
enabled = true
[phases.fuzzing]
enabled = true
[phases.stateful]
enabled = true

[checks]
enabled = true
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "412", "422"]
[checks.missing_required_header]
expected-statuses = ["400", "401", "403", "406", "415", "422", "428"]
"""


def test_writes_honour_the_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'writes.db'}"
    engine = build_engine(Settings(database_url=url))
    upgrade_to_head(engine)
    load(engine)
    key = make_key(engine, "write")
    engine.dispose()
    if SOURCES_DIR.is_dir():
        monkeypatch.setenv("CICA_SOURCES_DIR", str(SOURCES_DIR))
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    with running_server(url) as base:
        run = subprocess.run(
            [
                os.path.join(os.path.dirname(sys.executable), "schemathesis"),
                "--config-file",
                str(config),
                "run",
                f"{base}/openapi.json",
                "--header",
                f"Authorization: Bearer {key.key}",
                "--include-path-regex",
                PATHS,
                "--checks",
                "all",
                "--request-timeout",
                "30",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,  # its cache (.schemathesis/) stays out of the checkout
            env={**os.environ, "NO_COLOR": "1"},
        )
    summary = run.stdout[-6000:]
    assert run.returncode == 0, summary
    assert "Stateful" in run.stdout, summary
