"""The change feed is read from the database a page at a time (never held in the
snapshot): a follower pages by keyset (`after=`), totals agree with a count, and a page
never shows entries newer than the snapshot the request reads."""

from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, select
from sqlmodel import Session, col

from app.core.snapshot import build_snapshot
from app.models import Change, DatasetVersion
from app.models.base import utc_now
from app.registry import CHANGES, COLLECTIONS
from seed.loader import load
from tests.seed.test_history_and_reviews import api


def _add(engine: Engine, count: int, *, version_step: int = 0) -> None:
    with engine.begin() as connection:
        version = connection.execute(select(col(DatasetVersion.version))).scalar_one()
        connection.execute(
            insert(Change),
            [
                {
                    "version": version,
                    "changed_at": utc_now(),
                    "collection": "members",
                    "record_id": f"test-{n}",
                    "action": "updated",
                    "fields": ["history"],
                }
                for n in range(count)
            ],
        )
        if version_step:
            connection.execute(
                DatasetVersion.__table__.update().values(version=version + version_step)  # type: ignore[attr-defined]
            )


def _follow(client: Any, url: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    after = 0
    while True:
        body = client.get(f"{url}&after={after}").json()
        if not body["data"]:
            assert body["meta"]["total"] == 0
            return seen
        seen += body["data"]
        after = body["data"][-1]["id"]


def test_the_feed_is_not_in_the_snapshot(fresh_engine: Engine) -> None:
    load(fresh_engine)
    assert build_snapshot(fresh_engine, COLLECTIONS).get(CHANGES).items == ()


@pytest.mark.parametrize("gap", [False, True], ids=["dense", "gap"])
def test_a_follower_pages_by_id_and_totals_match_a_count(fresh_engine: Engine, gap: bool) -> None:
    """`gap`: an id missing in the middle (a rolled-back write on PostgreSQL skips one)."""
    load(fresh_engine)
    _add(fresh_engine, 130, version_step=1)
    if gap:
        with fresh_engine.begin() as connection:
            connection.execute(delete(Change).where(col(Change.record_id) == "test-7"))
    with Session(fresh_engine) as session:
        ids = list(session.execute(select(col(Change.id)).order_by(col(Change.id))).scalars())
    with api(fresh_engine) as client:
        followed = _follow(client, "/v1/changes?limit=50")
        assert [c["id"] for c in followed] == ids
        for after in (0, ids[10], ids[-2], ids[-1]):
            for query in ("", "&since=1", "&collection=members", "&q=test"):
                body = client.get(f"/v1/changes?after={after}{query}&limit=5").json()
                everything = client.get(f"/v1/changes?limit=200{query}").json()
                counted = everything["meta"]["total"]
                assert counted == len(_follow(client, f"/v1/changes?limit=200{query}"))
                later = [
                    c for c in _follow(client, f"/v1/changes?limit=200{query}") if c["id"] > after
                ]
                assert body["meta"]["total"] == len(later), (after, query)
                assert [c["id"] for c in body["data"]] == [c["id"] for c in later[:5]]


def test_a_page_shows_nothing_newer_than_its_snapshot(fresh_engine: Engine) -> None:
    load(fresh_engine)
    with api(fresh_engine) as client:
        before = client.get("/v1/changes?limit=1")
        total = before.json()["meta"]["total"]
        _add(fresh_engine, 2, version_step=1)  # a version this process has not loaded yet
        again = client.get("/v1/changes?limit=2")  # (another page: not the cached one)
        version = before.json()["meta"]["dataset_version"]
        assert again.json()["meta"]["dataset_version"] == version
        assert again.json()["meta"]["total"] == total
