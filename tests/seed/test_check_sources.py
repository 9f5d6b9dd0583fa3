"""Every quote citing a source document occurs in it. The documents come from
`CICA_SOURCES_DIR` or `../shared/seeds` (the `source_documents` fixture): in CI their
absence fails these tests; elsewhere it skips them, saying how to run them."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.cli import main
from app.core.config import get_settings
from seed.check import check_sources
from seed.quotes import quote_occurs
from tests.support import curate, data


def test_every_seed_document_quote_is_verbatim(source_documents: Path) -> None:
    result = check_sources(source_documents)
    assert result.problems == []
    assert result.documents == len(data.seed_documents())
    cited = [
        c
        for item in data.dataset().records.values()
        for record in item
        for c in getattr(record, "sources", [])
        if c.source_id in data.seed_documents()
    ]
    assert result.checked >= len(cited) > 0


def test_cli_exit_status(source_documents: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-sources", str(source_documents)]) == 0
    assert "0 problems" in capsys.readouterr().out


def test_an_altered_quote_is_reported(source_documents: Path, seed_copy: Path) -> None:
    cited = next(curate.cited_quotes())
    altered = curate.altered_by_one_word(cited.quote)
    cited.replace(seed_copy, altered)
    result = check_sources(source_documents, seed_dir=seed_copy)
    assert len(result.problems) == 1
    assert result.problems[0].startswith(f"{cited.file}, record {cited.record_id}, ")
    assert repr(altered) in result.problems[0]


def test_a_changed_document_is_reported(source_documents: Path, tmp_path: Path) -> None:
    documents = tmp_path / "docs"
    shutil.copytree(source_documents, documents)
    files = {s.id: s.file for s in data.dataset().sources if s.file}
    cited = next(
        c
        for c in curate.cited_quotes()
        if c.quote in (documents / files[c.source_id]).read_text(encoding="utf-8")
    )
    target = documents / files[cited.source_id]
    target.chmod(0o644)
    altered = curate.altered_by_one_word(cited.quote)
    target.write_text(
        target.read_text(encoding="utf-8").replace(cited.quote, altered), encoding="utf-8"
    )
    assert not quote_occurs(cited.quote, target.read_text(encoding="utf-8"))
    problems = check_sources(documents).problems
    assert any("sha256" in p for p in problems)
    assert any(repr(cited.quote) in p for p in problems)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, fresh_engine: Engine) -> Iterator[None]:
    """`cica-api` on a fresh database, with no `CICA_SOURCES_DIR` of the developer's."""
    monkeypatch.setenv("CICA_DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    monkeypatch.delenv("CICA_SOURCES_DIR", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_check_sources_without_documents_names_the_setting_and_argument(
    cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-sources"]) == 2
    err = capsys.readouterr().err
    assert "CICA_SOURCES_DIR" in err and "check-sources DIR" in err and "None" not in err


def test_a_dry_run_without_documents_says_quotes_are_not_checked(
    cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["seed", "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "quotes not checked: no source documents (set CICA_SOURCES_DIR or pass --sources DIR)"
    )
    assert out[-1].startswith("dry run, nothing written: ")


def test_a_dry_run_with_documents_checks_every_quote(
    cli_env: None,
    source_documents: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["seed", "--dry-run", "--sources", str(source_documents)]) == 0
    checked = check_sources(source_documents).checked
    out = capsys.readouterr().out
    assert f"{checked} quotes checked against {len(data.seed_documents())} documents" in out
    monkeypatch.setenv("CICA_SOURCES_DIR", str(source_documents))
    get_settings.cache_clear()
    assert main(["seed", "--dry-run"]) == 0
    assert f"{checked} quotes checked" in capsys.readouterr().out
    assert main(["seed", "--dry-run", "--sources", str(source_documents / "nowhere")]) == 2
    assert "no such directory of source documents" in capsys.readouterr().err


def test_a_premise_quote_is_checked_like_a_citation(
    source_documents: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A derivation's premise that quotes a source document is checked against it: a
    verbatim one passes, one changed by a word is reported at its path."""
    from app.models.derivation import PremiseCreate
    from seed import SEED_DIR
    from seed.reader import read_dataset

    before = check_sources(source_documents)
    dataset = read_dataset(SEED_DIR)
    collection, index, position = next(
        (name, i, p)
        for name, records in dataset.records.items()
        for i, record in enumerate(records)
        for p, _ in enumerate(getattr(record, "derivations", []))
    )
    record = dataset.records[collection][index]
    derivation = record.derivations[position]
    cited = next(curate.cited_quotes())
    altered = curate.altered_by_one_word(cited.quote)
    premises = [
        *derivation.premises,
        PremiseCreate(source_id=cited.source_id, quote=cited.quote),
        PremiseCreate(source_id=cited.source_id, quote=altered),
    ]
    derivations = list(record.derivations)
    derivations[position] = derivation.model_copy(update={"premises": premises})
    dataset.records[collection][index] = record.model_copy(update={"derivations": derivations})
    monkeypatch.setattr("seed.check.read_dataset", lambda _seed_dir: dataset)
    result = check_sources(source_documents)
    assert result.checked == before.checked + 2
    assert len(result.problems) == 1
    where = f"record {record.id}, derivations.{position}.premises.{len(premises) - 1}:"
    assert where in result.problems[0] and repr(altered) in result.problems[0]
