"""Status periods with an unknown start, former observers, and `reviewed` defaults, on a
private copy of the data files loaded into a fresh database and read through the API."""

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.core.config import Settings
from app.main import create_app
from seed.errors import SeedError
from seed.loader import load


@contextmanager
def api(engine: Engine) -> Iterator[TestClient]:
    app = create_app(
        Settings(database_url=str(engine.url), public_url="http://api.test"), engine=engine
    )
    with TestClient(app, base_url="http://api.test") as client:
        yield client


def _set_history(seed: Path, record_id: str, history: str) -> None:
    path = seed / "observers.toml"
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf'(id = "{record_id}"\n(?:[^\[].*\n)*?)history = \[\n(?:  .*\n)*\]\n')
    text, count = pattern.subn(lambda m: m.group(1) + f"history = {history}\n", text, count=1)
    assert count == 1
    path.write_text(text, encoding="utf-8")


def _ids(client: TestClient, query: str) -> set[str]:
    body = client.get(f"/v1/observers?limit=200&{query}").json()
    return {record["id"] for record in body["data"]}


def test_an_attested_start_answers_as_of_from_that_day(
    seed_copy: Path, fresh_engine: Engine
) -> None:
    _set_history(seed_copy, "MY", '[{ status = "observer", attested_from = "2004-06" }]')
    load(fresh_engine, seed_dir=seed_copy)
    with api(fresh_engine) as client:
        assert "MY" in _ids(client, "as_of=2004-06-01")
        assert "MY" in _ids(client, "")
        assert "MY" not in _ids(client, "as_of=2004-05-31")
        period = client.get("/v1/observers/MY").json()["history"][0]
        assert period == {
            "status": "observer",
            "from": None,
            "to": None,
            "start_known": False,
            "attested_from": "2004-06",
            "end_known": True,
            "attested_until": None,
        }


def test_a_former_observer_is_listed_on_its_days_and_says_it_ended(
    seed_copy: Path, fresh_engine: Engine
) -> None:
    _set_history(
        seed_copy, "MY", '[{ status = "observer", attested_from = "2004", to = "2008-03" }]'
    )
    load(fresh_engine, seed_dir=seed_copy)
    with api(fresh_engine) as client:
        assert "MY" in _ids(client, "as_of=2006-01-01")
        assert "MY" not in _ids(client, "as_of=2008-03-01")
        assert "MY" not in _ids(client, "")
        record = client.get("/v1/observers/MY").json()
        assert record["status"] == "former-observer" and record["until"] == "2008-03"
        listed = client.get("/v1/observers?as_of=2006-01-01&q=malaysia").json()["data"]
        assert [r["status"] for r in listed] == ["observer"]


def test_an_end_no_source_dates_counts_to_the_last_attested_day(
    seed_copy: Path, fresh_engine: Engine
) -> None:
    _set_history(
        seed_copy,
        "MY",
        '[{ status = "observer", attested_from = "2004", attested_until = "2006-06-20" }]',
    )
    load(fresh_engine, seed_dir=seed_copy)
    with api(fresh_engine) as client:
        assert "MY" in _ids(client, "as_of=2006-06-20")
        assert "MY" not in _ids(client, "as_of=2006-06-21")
        assert "MY" not in _ids(client, "")
        record = client.get("/v1/observers/MY").json()
        assert record["status"] == "former-observer" and record["until"] is None
        assert record["history"][0]["end_known"] is False
        assert record["history"][0]["attested_until"] == "2006-06-20"
        assert (
            client.get("/v1/organization").json()["counts"]["observers"]["states"]
            == (client.get("/v1/observers?type=state&status=observer").json()["meta"]["total"])
        )


def test_a_start_and_an_attested_start_together_are_refused(
    seed_copy: Path, fresh_engine: Engine
) -> None:
    _set_history(
        seed_copy, "MY", '[{ status = "observer", from = "2004", attested_from = "2004" }]'
    )
    with pytest.raises(SeedError, match="attested_from"):
        load(fresh_engine, seed_dir=seed_copy)


def test_reviewed_defaults_per_file_and_a_record_overrides_it(
    seed_copy: Path, fresh_engine: Engine
) -> None:
    path = seed_copy / "reform_areas.toml"
    text = path.read_text(encoding="utf-8")
    default = re.search(r"^reviewed = (\S+)$", text, re.MULTILINE)
    assert default is not None and 'id = "budget"\nreviewed' not in text
    # A day after every review in the files: the dataset's latest review from then on.
    every = re.findall(r'^reviewed = "?(\d{4}-\d{2}-\d{2})"?$', _all_files(seed_copy), re.MULTILINE)
    later = (max(dt.date.fromisoformat(day) for day in every) + dt.timedelta(days=1)).isoformat()
    path.write_text(
        text.replace('id = "budget"\n', f'id = "budget"\nreviewed = {later}\n', 1),
        encoding="utf-8",
    )
    load(fresh_engine, seed_dir=seed_copy)
    with api(fresh_engine) as client:
        assert client.get("/v1/reform-areas/budget").json()["reviewed"] == later
        assert client.get("/v1/reform-areas/human-resources").json()["reviewed"] == default.group(1)
        meta = client.get("/v1/observers").json()["meta"]
        assert meta["data_as_of"] == later
        exports = client.get("/v1/exports/dataset.json").json()
        assert exports["data_as_of"] == meta["data_as_of"]
        assert client.get("/v1/organization").json()["data_as_of"] == meta["data_as_of"]


def test_a_record_without_reviewed_in_a_file_without_a_default_is_refused(
    seed_copy: Path, fresh_engine: Engine
) -> None:
    path = seed_copy / "meetings.toml"
    path.write_text(
        re.sub(r"^reviewed = \S+$", "", path.read_text(encoding="utf-8"), flags=re.MULTILINE),
        encoding="utf-8",
    )
    with pytest.raises(SeedError, match="reviewed"):
        load(fresh_engine, seed_dir=seed_copy)


def _all_files(seed_dir: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(seed_dir.glob("*.toml")))
