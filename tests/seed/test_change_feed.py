"""The change feed: each seed run that changes data records each changed record, with its
fields, in the run's transaction; a run that changes nothing records nothing."""

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from seed.errors import SeedError
from seed.loader import load
from tests.api.helpers import assert_problem
from tests.seed.test_history_and_reviews import api
from tests.seed.test_loader_upserts import _set_positions
from tests.support import curate, data


def _feed(client: TestClient, since: int) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    url: str | None = f"/v1/changes?since={since}&limit=200"
    while url:
        body = client.get(url).json()
        records += body["data"]
        url = body["links"].get("next")
    return records


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_first_load_records_every_record_as_created(
    seed_copy: Path, fresh_engine: Engine
) -> None:
    report = load(fresh_engine, seed_dir=seed_copy)
    with api(fresh_engine) as client:
        feed = _feed(client, 0)
        assert len(feed) == report.records
        for collection in ("members", "observers", "meetings"):
            created = {c["record_id"] for c in feed if c["collection"] == collection}
            assert created == data.ids(collection), collection
        assert {c["action"] for c in feed} == {"created"}
        assert {c["version"] for c in feed} == {report.version}
        assert [c["id"] for c in feed] == sorted(c["id"] for c in feed)
        kz = next(c for c in feed if c["collection"] == "members" and c["record_id"] == "KZ")
        assert kz["path"] == "/v1/members/KZ"
        assert client.get(kz["path"]).status_code == 200
        assert {"history", "sources", "reviewed"} <= set(kz["fields"])
        assert {c["collection"] for c in feed} >= {"members", "sources", "conflicts"}


def test_an_edit_is_recorded_with_exactly_its_fields(seed_copy: Path, fresh_engine: Engine) -> None:
    first = load(fresh_engine, seed_dir=seed_copy)
    assert load(fresh_engine, seed_dir=seed_copy).version == first.version  # no-op
    meeting = data.records("meetings")[0].id
    curate.set_reviewed(
        seed_copy / "meetings.toml", "meetings", meeting, curate.later_than_any_review()
    )
    second = load(fresh_engine, seed_dir=seed_copy)
    assert second.version == first.version + 1
    with api(fresh_engine) as client:
        changes = _feed(client, first.version)
        assert [(c["collection"], c["record_id"], c["action"], c["fields"]) for c in changes] == [
            ("meetings", meeting, "updated", ["reviewed"])
        ]
        assert changes[0]["version"] == second.version
        assert _feed(client, second.version) == []
        assert len(_feed(client, 0)) == first.records + 1


def test_a_no_op_seed_records_nothing(seed_copy: Path, fresh_engine: Engine) -> None:
    load(fresh_engine, seed_dir=seed_copy)
    with api(fresh_engine) as client:
        before = _feed(client, 0)
    report = load(fresh_engine, seed_dir=seed_copy)
    assert report.records == 0 and not report.changed
    with api(fresh_engine) as client:
        assert _feed(client, 0) == before


def test_swapped_positions_are_two_updates(seed_copy: Path, fresh_engine: Engine) -> None:
    first = load(fresh_engine, seed_dir=seed_copy)
    one, two, *_ = curate.by_position("reform-areas")
    _set_positions(seed_copy / "reform_areas.toml", "reform_areas", {one: 2})
    _set_positions(seed_copy / "reform_areas.toml", "reform_areas", {two: 1})
    load(fresh_engine, seed_dir=seed_copy)
    with api(fresh_engine) as client:
        changes = _feed(client, first.version)
    assert sorted((c["record_id"], c["action"], c["fields"]) for c in changes) == sorted(
        [(one, "updated", ["position"]), (two, "updated", ["position"])]
    )


def test_a_removed_record_is_deleted_and_an_added_one_created(
    seed_copy: Path, fresh_engine: Engine
) -> None:
    first = load(fresh_engine, seed_dir=seed_copy)
    renamed = data.records("reform-areas")[-1].id
    path = seed_copy / "reform_areas.toml"
    curate.edit_record(path, "reform_areas", renamed, f'id = "{renamed}"', 'id = "renamed-area"')
    load(fresh_engine, seed_dir=seed_copy)
    with api(fresh_engine) as client:
        changes = _feed(client, first.version)
    actions = {(c["record_id"], c["action"]) for c in changes}
    assert actions == {(renamed, "deleted"), ("renamed-area", "created")}
    created = next(c for c in changes if c["action"] == "created")
    assert {"id", "names", "position", "sources"} <= set(created["fields"])


def test_a_failed_seed_records_no_change(seed_copy: Path, fresh_engine: Engine) -> None:
    first = load(fresh_engine, seed_dir=seed_copy)
    _set_positions(
        seed_copy / "reform_areas.toml", "reform_areas", {curate.by_position("reform-areas")[-1]: 1}
    )
    with pytest.raises(SeedError):
        load(fresh_engine, seed_dir=seed_copy)
    with api(fresh_engine) as client:
        assert _feed(client, first.version) == []


def test_the_feed_is_validated_and_cached_like_every_read(
    seed_copy: Path, fresh_engine: Engine
) -> None:
    load(fresh_engine, seed_dir=seed_copy)
    with api(fresh_engine) as client:
        response = client.get("/v1/changes?since=0&limit=5")
        assert response.status_code == 200 and response.headers["etag"]
        again = client.get(
            "/v1/changes?since=0&limit=5", headers={"If-None-Match": response.headers["etag"]}
        )
        assert again.status_code == 304
        assert client.head("/v1/changes?since=0").status_code == 200
        assert client.get("/v1/changes?since=0&format=csv").text.startswith("id,")
        for bad in ("-1", "abc", "1.5"):
            assert_problem(client.get(f"/v1/changes?since={bad}"), 422)
        assert_problem(client.get("/v1/changes?since=1&since=2"), 400)
        assert client.get("/v1/changes?since=999").json()["data"] == []
