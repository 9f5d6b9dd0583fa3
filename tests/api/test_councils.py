"""`/v1/councils`."""

from fastapi.testclient import TestClient

from tests.api.helpers import assert_problem, ids


def test_status_and_kind_filters(client: TestClient) -> None:
    proposed = client.get("/v1/councils?status=proposed&limit=200").json()["data"]
    assert proposed and {c["status"] for c in proposed} == {"proposed"}
    assert "climate-council" in ids(client, "/v1/councils?status=planned")
    assert ids(client, "/v1/councils?kind=secretariat") == ["secretariat"]


def test_detail_carries_dates_at_source_precision(client: TestClient) -> None:
    secretariat = client.get("/v1/councils/secretariat").json()
    assert secretariat["established"] == "2006-06-17"
    assert client.get("/v1/councils/youth-council").json()["acronym"] == "YCICA"


def test_sort_by_established_puts_unknown_dates_last(client: TestClient) -> None:
    dates = [
        c["established"]
        for c in client.get("/v1/councils?sort=established&limit=200").json()["data"]
    ]
    known = [d for d in dates if d]
    assert known == sorted(known) and dates[: len(known)] == known
    assert_problem(client.get("/v1/councils?kind=club"), 422)
