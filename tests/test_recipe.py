"""The recipe for adding a collection (docs/data.md, "Adding a collection"), followed to the
letter on a scratch copy of the project: its code blocks are written where they say, its
edits made, its commands run in order; then the new collection must be migrated, seeded,
listed, fetched by id, searchable, exported, in the change feed and in `/openapi.json`,
and the cross-collection tests must pass on it (a collection of one record).

The copy runs in its own processes (`PYTHONPATH` puts it before this checkout), so the
new model never reaches this process's metadata.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from app.core.migrations import head_revision
from scripts.load_test import free_port
from tests.conftest import POSTGRES_URL, DatabaseFactory

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "docs" / "data.md"
COPIED = ("app", "seed", "migrations", "scripts", "tests", "openapi")
COPIED_FILES = ("alembic.ini", "pyproject.toml", "CHANGELOG.md", "README.md")
BLOCK = re.compile(r"<!-- recipe: (?P<target>[^>]+?) -->\n```\w+\n(?P<body>.*?)```", re.DOTALL)
COLLECTION = "documents"
BOOT_SECONDS = 60.0


def recipe() -> dict[str, str]:
    """The recipe's blocks, by where they go (a file, or `commands`)."""
    text = RECIPE.read_text(encoding="utf-8")
    section = text[text.index("## Adding a collection") :]
    return {m["target"].strip(): m["body"] for m in BLOCK.finditer(section)}


def _scratch_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__", "*.db", "*.db.lock")
    for name in COPIED:
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    for name in COPIED_FILES:
        shutil.copy2(ROOT / name, copy / name)
    return copy


def _insert(path: Path, anchor: str, text: str, *, before: bool = False) -> None:
    source = path.read_text(encoding="utf-8")
    assert source.count(anchor) == 1, f"{path}: {anchor!r}"
    replacement = text + anchor if before else anchor + text
    path.write_text(source.replace(anchor, replacement), encoding="utf-8")


def _follow_the_code_steps(copy: Path, blocks: dict[str, str]) -> None:
    for target in ("app/models/document.py", "app/services/documents.py", "seed/documents.toml"):
        (copy / target).write_text(blocks[target], encoding="utf-8")
    # 2. The export.
    models = copy / "app" / "models" / "__init__.py"
    _insert(models, "\n\n__all__ = [\n", "\nfrom app.models.document import Document", before=True)
    _insert(models, "\n\n__all__ = [\n", '    "Document",\n')
    # 5. The registry entry: imports with the others, the entry before `def collections(`,
    # and the name in the call that makes COLLECTIONS.
    registry = copy / "app" / "registry.py"
    entry = blocks["app/registry.py"]
    imports = "".join(line + "\n" for line in entry.splitlines() if line.startswith("from "))
    body = "\n".join(line for line in entry.splitlines() if not line.startswith("from "))
    _insert(registry, "from app.spec import CollectionSpec, Docs\n", imports)
    _insert(registry, "\n\ndef collections(", "\n" + body.strip() + "\n", before=True)
    _insert(registry, "    ORGANIZATION,\n", "    DOCUMENTS,\n")


def _next_revision_number() -> str:
    head = head_revision()
    assert head is not None and head[:4].isdigit()
    return f"{int(head[:4]) + 1:04d}"


def _argv(line: str) -> list[str]:
    """A command of the recipe, run with this interpreter from the copy."""
    words = shlex.split(line.replace("NNNN", _next_revision_number()))
    programs = {"cica-api": ["-m", "app.cli"], "alembic": ["-m", "alembic"], "python": []}
    return [sys.executable, *programs[words[0]], *words[1:]]


def _environment(copy: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CICA_", "PYTHON"))}
    env.update(
        PYTHONPATH=str(copy),
        CICA_DATABASE_URL=database_url,
        CICA_ACCESS_LOG="false",
        CICA_LOG_LEVEL="warning",
    )
    return env


@contextmanager
def _served(copy: Path, env: dict[str, str]) -> Iterator[httpx.Client]:
    port = free_port()
    log = copy / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            cwd=copy,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            deadline = time.monotonic() + BOOT_SECONDS
            while True:
                assert server.poll() is None, log.read_text(errors="replace")
                try:
                    if http.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log.read_text(errors="replace")
                time.sleep(0.1)
            yield http
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_recipe_adds_a_served_collection(
    backend: str, databases: DatabaseFactory, tmp_path: Path
) -> None:
    blocks = recipe()
    copy = _scratch_copy(tmp_path)
    _follow_the_code_steps(copy, blocks)
    env = _environment(copy, databases.url())

    outputs: dict[str, str] = {}
    for line in blocks["commands"].strip().splitlines():
        done = subprocess.run(_argv(line), cwd=copy, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
        outputs[line] = done.stdout + done.stderr
    revision = copy / "migrations" / "versions" / f"{_next_revision_number()}_{COLLECTION}.py"
    assert "create_table('documents'" in revision.read_text(encoding="utf-8")
    dry_run = next(out for line, out in outputs.items() if "--dry-run" in line)
    assert "dry run, nothing written: " in dry_run and "documents: +1 " in dry_run
    committed = (copy / "openapi" / "v1.json").read_text(encoding="utf-8")
    assert '"/v1/documents/{document_id}"' in committed

    with _served(copy, env) as http:
        listed = http.get(f"/v1/{COLLECTION}").json()
        assert listed["meta"]["total"] == 1
        record = listed["data"][0]
        assert record["sources"] and record["reviewed"]
        assert http.get(f"/v1/{COLLECTION}/{record['id']}").json() == record
        for query in ({"q": record["name"]}, {"q": record["name"], "collections": COLLECTION}):
            hits = http.get("/v1/search", params=query).json()["data"]
            assert (COLLECTION, record["id"]) in [(h["collection"], h["id"]) for h in hits]
        exports = {f["name"] for f in http.get("/v1/exports").json()["data"]}
        assert {f"{COLLECTION}.{kind}" for kind in ("json", "ndjson", "csv")} <= exports
        assert http.get(f"/v1/exports/{COLLECTION}.json").json() == [record]
        feed = http.get("/v1/changes", params={"collection": COLLECTION}).json()["data"]
        assert [(c["record_id"], c["action"]) for c in feed] == [(record["id"], "created")]
        assert {"id", "names", "sources", "reviewed"} <= set(feed[0]["fields"])
        document = http.get("/openapi.json").json()
        assert {f"/v1/{COLLECTION}", "/v1/documents/{document_id}"} <= document["paths"].keys()
        assert COLLECTION in {tag["name"] for tag in document["tags"]}

    # The cross-collection tests, on this one-record collection.
    selection = COLLECTION if backend == "sqlite" else f"{COLLECTION} and postgresql"
    test_env = {k: v for k, v in env.items() if k != "CICA_DATABASE_URL"}
    if backend == "postgresql":
        assert POSTGRES_URL is not None
        test_env["CICA_TEST_POSTGRES_URL"] = POSTGRES_URL
    tests = ["tests/api/test_collections.py", "tests/api/test_formats.py"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", selection, *tests],
        cwd=copy,
        env=test_env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert re.search(r"\b(1[0-9]|[2-9][0-9]) passed", done.stdout), done.stdout[-500:]


def test_the_recipe_has_every_step() -> None:
    """The blocks the test follows are in the docs (a renamed marker would skip a step)."""
    assert recipe().keys() == {
        "app/models/document.py",
        "app/services/documents.py",
        "seed/documents.toml",
        "app/registry.py",
        "commands",
    }


STEPS = (
    "app/models/",
    "app/models/__init__.py",
    "app/services/",
    "seed/",
    "collections(...)",
    "cica-api migrate",
    "alembic revision --autogenerate --rev-id NNNN_",
    "cica-api seed --dry-run",
    "cica-api seed",
    "python -m scripts.openapi_accept",
)


def test_the_registry_docstring_and_the_docs_name_the_same_steps() -> None:
    docstring = " ".join(
        (ROOT / "app" / "registry.py").read_text(encoding="utf-8").split('"""')[1].split()
    )
    section = RECIPE.read_text(encoding="utf-8").split("## Adding a collection")[1]
    for step in STEPS:
        assert step in docstring, step
        assert step in section, step
