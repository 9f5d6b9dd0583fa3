"""The change feed: each seed run that changes data records each changed record, with its
fields, in the run's transaction; a run that changes nothing records nothing."""

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from app.core.storage import Row
from app.models import Change
from app.registry import COLLECTIONS
from app.services import reform_areas
from app.services.countries import country
from app.spec import CollectionSpec
from seed.errors import SeedError
from seed.loader import load
from seed.reader import read_dataset
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


# --- The feed tells what the rows became ------------------------------------------------


def _with_rows(name: str, rows: Any) -> tuple[CollectionSpec[Any, Any], ...]:
    """The registry's collections, with one collection's records stored by `rows`."""
    return tuple(
        dataclasses.replace(spec, storage=dataclasses.replace(spec.storage, rows=rows))
        if spec.name == name and spec.storage is not None
        else spec
        for spec in COLLECTIONS
    )


def test_a_value_that_stores_the_same_rows_is_not_announced(
    seed_copy: Path, fresh_engine: Engine
) -> None:
    """A name override equal to ISO 3166's name changes the record, not what is served."""
    first = load(fresh_engine, seed_dir=seed_copy)
    member = next(m for m in read_dataset(seed_copy).records["members"] if not m.names)
    default = country(member.id)["names"]["en"]  # type: ignore[index]
    path = seed_copy / "members.toml"
    _edit(path, f'id = "{member.id}"\n', f'id = "{member.id}"\nnames = {{ en = "{default}" }}\n')
    same = load(fresh_engine, seed_dir=seed_copy)
    assert (same.version, same.records, same.changed) == (first.version, 0, False)
    [kept] = same.changes  # the record's value is kept, for the next change to compare with
    assert (kept.action, kept.fields, kept.rows_changed) == ("updated", ["names"], False)
    with api(fresh_engine) as client:
        assert _feed(client, first.version) == []
    _edit(path, f'names = {{ en = "{default}" }}', f'names = {{ en = "{default} (test)" }}')
    renamed = load(fresh_engine, seed_dir=seed_copy)
    assert renamed.version == first.version + 1
    with api(fresh_engine) as client:
        assert [(c["record_id"], c["fields"]) for c in _feed(client, first.version)] == [
            (member.id, ["names"])
        ]


def test_rows_that_change_while_the_record_does_not_are_announced(
    seed_copy: Path, fresh_engine: Engine
) -> None:
    """A fixed storage (here: reform areas stored without their progress, then with it)
    changes rows of records whose files did not change: each is announced with fields,
    never as "0 changes"."""

    def without_progress(area: Any) -> Iterator[Row]:
        for row in reform_areas.rows(area):
            yield dataclasses.replace(row, values={**row.values, "progress": None})

    broken = load(
        fresh_engine, seed_dir=seed_copy, collections=_with_rows("reform-areas", without_progress)
    )
    fixed = load(fresh_engine, seed_dir=seed_copy)
    assert fixed.version == broken.version + 1
    with_progress = {a.id for a in read_dataset(seed_copy).records["reform-areas"] if a.progress}
    assert with_progress
    with api(fresh_engine) as client:
        changes = _feed(client, broken.version)
    assert {c["record_id"] for c in changes} == with_progress
    for change in changes:
        assert change["action"] == "updated" and "progress" in change["fields"]


def test_a_record_stored_in_no_table_is_refused_not_announced(
    seed_copy: Path, fresh_engine: Engine
) -> None:
    """A collection whose `rows` gives nothing would fill only citations and reviews: an
    announced record that is never served. The seed refuses it, naming the record."""
    empty = _with_rows("reform-areas", lambda _area: iter(()))
    with pytest.raises(SeedError, match="stored in no table") as error:
        load(fresh_engine, seed_dir=seed_copy, collections=empty)
    assert error.value.file == "reform_areas.toml" and error.value.record
    with Session(fresh_engine) as session:
        assert session.execute(select(func.count()).select_from(Change)).scalar_one() == 0


def test_every_announced_record_is_served_at_its_path(
    seed_copy: Path, fresh_engine: Engine
) -> None:
    load(fresh_engine, seed_dir=seed_copy)
    single = {spec.name for spec in COLLECTIONS if spec.single}
    assert single
    with api(fresh_engine) as client:
        feed = _feed(client, 0)
        assert {c["collection"] for c in feed} >= single
        for change in feed:
            response = client.get(change["path"])
            assert response.status_code == 200, change["path"]
            assert response.json()["id"] == change["record_id"]
