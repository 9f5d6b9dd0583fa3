"""`/v1/councils`, against what councils.toml says (tests/support/data.py)."""

from fastapi.testclient import TestClient

from tests.api.helpers import assert_problem, ids
from tests.support import data


def test_status_and_kind_filters(client: TestClient) -> None:
    councils = data.records("councils")
    for status in {c.status for c in councils}:
        listed = ids(client, f"/v1/councils?status={status}&limit=200")
        assert set(listed) == {c.id for c in councils if c.status == status}, status
    for kind in {c.kind for c in councils}:
        listed = ids(client, f"/v1/councils?kind={kind}&limit=200")
        assert set(listed) == {c.id for c in councils if c.kind == kind}, kind


def test_detail_carries_dates_at_source_precision(client: TestClient) -> None:
    fields = ("established", "proposed", "acronym", "seat", "kind", "status")
    for council in data.records("councils"):
        served = client.get(f"/v1/councils/{council.id}").json()
        assert {f: served[f] for f in fields} == {f: getattr(council, f) for f in fields}


def test_sort_by_established_puts_unknown_dates_last(client: TestClient) -> None:
    dates = [
        c["established"]
        for c in client.get("/v1/councils?sort=established&limit=200").json()["data"]
    ]
    known = [d for d in dates if d]
    assert known == sorted(known) and dates[: len(known)] == known
    assert_problem(client.get("/v1/councils?kind=club"), 422)
