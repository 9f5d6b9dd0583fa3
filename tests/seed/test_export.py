"""`cica-api export DIR` writes the database's records as data files in the seed's format:
seeding from DIR changes nothing (the round trip), and an API edit is in the exported
file, ready to review and commit."""

import datetime as dt
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.core.config import get_settings
from app.export import export
from app.registry import COLLECTIONS
from app.writes.changeset import Changeset, Operation
from app.writes.step import apply
from seed import SEED_DIR
from seed.loader import load
from seed.reader import read_dataset
from tests.support import curate


def _records(directory: Path, file: str, key: str) -> dict[str, dict[str, object]]:
    document = tomllib.loads((directory / file).read_text(encoding="utf-8"))
    return {str(record["id"]): record for record in document[key]}


def test_seeding_from_an_export_changes_nothing(fresh_engine: Engine, tmp_path: Path) -> None:
    load(fresh_engine)
    exported = export(fresh_engine, tmp_path / "out", COLLECTIONS, order_from=SEED_DIR)
    shipped = read_dataset(SEED_DIR)
    again = read_dataset(tmp_path / "out")
    for name, records in shipped.records.items():
        assert [r.id for r in again.records[name]] == [r.id for r in records], name
        assert again.records[name] == records, name  # every value, as the files give it
    assert sum(exported.files.values()) == sum(len(r) for r in shipped.records.values())
    report = load(fresh_engine, seed_dir=tmp_path / "out", dry_run=True)
    assert report.changes == [] and not report.changed


def test_an_api_edit_is_in_the_export_and_round_trips(
    fresh_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app.cli import main

    load(fresh_engine)
    meeting = read_dataset(SEED_DIR).records["meetings"][0]
    day = dt.date.fromisoformat(curate.later_than_any_review())
    edit = Operation.update("meetings", meeting.model_copy(update={"reviewed": day}))
    apply(fresh_engine, Changeset((edit,), "editor-key", "checked again"), COLLECTIONS)

    out = tmp_path / "export"
    monkeypatch.setenv("CICA_DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        assert main(["export", str(out)]) == 0
        assert capsys.readouterr().out.startswith("exported ")
        assert _records(out, "meetings.toml", "meetings")[meeting.id]["reviewed"] == str(day)
        shipped = _records(SEED_DIR, "meetings.toml", "meetings")
        assert shipped[meeting.id].get("reviewed") != day  # the edit is what the diff shows

        assert main(["seed", "--data", str(out), "--dry-run"]) == 0
        assert "no changes" in capsys.readouterr().out
        # committed: the exported files are the next seed's; then nothing is left to merge
        assert not load(fresh_engine, seed_dir=out).changed
        assert not load(fresh_engine, seed_dir=out, dry_run=True).changed
    finally:
        get_settings.cache_clear()
