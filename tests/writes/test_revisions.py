"""The audit: every applied change, seed or API, is a revision of its record (who, when,
the request id, the summary, each changed field before and after), served newest first at
`/v1/<collection>/<id>/revisions`, linked from its change-feed entry, and kept after the
record is deleted."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.models.citation import CitationCreate
from app.models.council import CouncilCreate
from app.registry import COLLECTIONS
from app.writes.changeset import Changeset, Operation
from app.writes.step import apply
from seed import SEED_DIR
from seed.loader import load
from seed.reader import Dataset, read_dataset
from tests.seed.test_history_and_reviews import api

NEW_ID = "audit-forum"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return read_dataset(SEED_DIR)


@pytest.fixture
def seeded(fresh_engine: Engine) -> Iterator[Engine]:
    load(fresh_engine)
    yield fresh_engine


def _council(dataset: Dataset, **changes: Any) -> CouncilCreate:
    values: dict[str, Any] = {
        "id": NEW_ID,
        "names": {"en": "Audit Forum"},
        "kind": "forum",
        "status": "proposed",
        "sources": [
            CitationCreate(
                source_id=dataset.sources[0].id, quote="a quote for the test", supports=["status"]
            )
        ],
        "reviewed": dt.date(2026, 1, 2),
        **changes,
    }
    return CouncilCreate(**values)


def _write(engine: Engine, operation: Operation, summary: str, request_id: str) -> int:
    changeset = Changeset((operation,), author="editor-key", summary=summary, request_id=request_id)
    return apply(engine, changeset, COLLECTIONS).version


def _all(client: TestClient, url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.text
        found += response.json()["data"]
        next_url = response.json()["links"].get("next")
    return found


def test_revisions_show_who_why_and_each_field_before_and_after(
    seeded: Engine, dataset: Dataset
) -> None:
    created = _write(seeded, Operation.create("councils", _council(dataset)), "new forum", "r-1")
    updated = _write(
        seeded,
        Operation.update("councils", _council(dataset, status="planned")),
        "the forum is planned now",
        "r-2",
    )
    with api(seeded) as client:
        response = client.get(f"/v1/councils/{NEW_ID}/revisions")
        assert response.status_code == 200
        body = response.json()
        assert body["meta"]["total"] == 2
        newest, first = body["data"]
        assert (newest["number"], first["number"]) == (2, 1)
        assert newest["author"] == "editor-key" and newest["request_id"] == "r-2"
        assert newest["summary"] == "the forum is planned now"
        assert newest["version"] == updated and first["version"] == created
        assert newest["action"] == "updated"
        assert newest["changes"] == [{"field": "status", "before": "proposed", "after": "planned"}]
        assert first["action"] == "created"
        status = next(c for c in first["changes"] if c["field"] == "status")
        assert (status["before"], status["after"]) == (None, "proposed")

        one = client.get(newest["path"])
        assert one.status_code == 200 and one.json() == newest
        assert client.get(f"/v1/councils/{NEW_ID}/revisions/3").status_code == 404
        assert client.get(f"/v1/councils/{NEW_ID.upper()}/revisions").json() == body

        # the feed links each entry to its revision
        feed = client.get(f"/v1/changes?since={created - 1}&record_id={NEW_ID}").json()["data"]
        assert [c["revision_path"] for c in feed] == [first["path"], newest["path"]]

        # caching: the page's ETag answers a 304 until the history grows
        etag = response.headers["etag"]
        assert client.get(response.url, headers={"If-None-Match": etag}).status_code == 304


def test_a_deleted_records_history_still_answers(seeded: Engine, dataset: Dataset) -> None:
    _write(seeded, Operation.create("councils", _council(dataset)), "new forum", "r-1")
    _write(seeded, Operation.delete("councils", NEW_ID), "never existed", "r-3")
    with api(seeded) as client:
        assert client.get(f"/v1/councils/{NEW_ID}").status_code == 404
        revisions = _all(client, f"/v1/councils/{NEW_ID}/revisions?limit=1")
        assert [r["action"] for r in revisions] == ["deleted", "created"]
        deleted = revisions[0]
        assert deleted["summary"] == "never existed" and deleted["author"] == "editor-key"
        status = next(c for c in deleted["changes"] if c["field"] == "status")
        assert (status["before"], status["after"]) == ("proposed", None)
        missing = client.get("/v1/councils/no-such-council/revisions")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")


def test_a_seed_run_is_a_revision_by_seed(seeded: Engine) -> None:
    with api(seeded) as client:
        record = client.get("/v1/members?limit=1").json()["data"][0]
        [revision] = _all(client, f"/v1/members/{record['id']}/revisions")
        assert (revision["author"], revision["action"], revision["number"]) == (
            "seed",
            "created",
            1,
        )
        assert revision["request_id"] is None
        fields = {c["field"] for c in revision["changes"]}
        assert "sources" in fields
        assert client.get(f"/v1/members/{record['id']}/revisions?limit=0").status_code == 422
        assert client.get(f"/v1/members/{record['id']}/revisions?bogus=1").status_code == 400


def test_every_feed_entry_links_to_a_revision_that_answers(seeded: Engine) -> None:
    """One entry per collection (the organization's too, read at /v1/organization)."""
    with api(seeded) as client:
        feed = _all(client, "/v1/changes?limit=200")
        first = {entry["collection"]: entry for entry in reversed(feed)}
        assert "organization" in first
        for collection, entry in first.items():
            revision = client.get(entry["revision_path"])
            assert revision.status_code == 200, (collection, revision.text)
            body = revision.json()
            assert (body["collection"], body["record_id"]) == (collection, entry["record_id"])
            assert body["number"] == entry["revision"] and body["version"] == entry["version"]
            assert entry["revision_path"].startswith(entry["path"] + "/revisions/")
        history = client.get("/v1/organization/revisions").json()
        assert [r["path"] for r in history["data"]] == [first["organization"]["revision_path"]]


def test_a_fault_before_commit_leaves_no_revision(
    seeded: Engine, dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit is in the changeset's transaction: a failure after it (here, writing the
    feed) leaves no revision, no record and no version."""
    import app.writes.step as step

    with api(seeded) as client:
        version = client.get("/v1/changes?limit=1").json()["meta"]["dataset_version"]

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("injected")

    monkeypatch.setattr(step, "append_feed", broken)
    with pytest.raises(RuntimeError, match="injected"):
        _write(seeded, Operation.create("councils", _council(dataset)), "new forum", "r-9")
    monkeypatch.undo()
    with api(seeded) as client:
        assert client.get(f"/v1/councils/{NEW_ID}/revisions").status_code == 404
        assert client.get(f"/v1/councils/{NEW_ID}").status_code == 404
        meta = client.get("/v1/changes?limit=1").json()["meta"]
        assert meta["dataset_version"] == version
