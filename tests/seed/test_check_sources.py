"""Every quote citing a source document occurs in it (CI fails if the documents are absent)."""

import os
import shutil
from pathlib import Path

import pytest

from app.cli import main
from seed import SEED_DIR
from seed.check import check_sources
from tests.conftest import SOURCES_DIR

requires_documents = pytest.mark.skipif(
    not SOURCES_DIR.is_dir() and not os.environ.get("CI"),
    reason="the source documents (../shared/seeds) are not beside this checkout",
)


@requires_documents
def test_every_seed_document_quote_is_verbatim() -> None:
    result = check_sources(SOURCES_DIR)
    assert result.problems == []
    assert result.documents == 5
    assert result.checked >= 50


@requires_documents
def test_cli_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-sources", str(SOURCES_DIR)]) == 0
    assert "0 problems" in capsys.readouterr().out


@requires_documents
def test_an_altered_quote_is_reported(tmp_path: Path) -> None:
    seed_copy = tmp_path / "seed"
    shutil.copytree(SEED_DIR, seed_copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    members = seed_copy / "members.toml"
    members.write_text(
        members.read_text().replace("India (a CICA founder)", "India (a CICA observer)")
    )
    result = check_sources(SOURCES_DIR, seed_dir=seed_copy)
    assert len(result.problems) == 1 and "India (a CICA observer)" in result.problems[0]


@requires_documents
def test_a_changed_document_is_reported(tmp_path: Path) -> None:
    documents = tmp_path / "docs"
    shutil.copytree(SOURCES_DIR, documents)
    target = next(documents.glob("004_*.txt"))
    target.chmod(0o644)
    target.write_text(
        target.read_text().replace("Kuwait joining in 2022", "Kuwait joining in 2021")
    )
    problems = check_sources(documents).problems
    assert any("sha256" in p for p in problems)
    assert any("Kuwait joining in 2022" in p for p in problems)
