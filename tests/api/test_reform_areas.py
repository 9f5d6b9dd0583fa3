"""`/v1/reform-areas`, against what reform_areas.toml says."""

from fastapi.testclient import TestClient

from tests.api.helpers import ids
from tests.support import data


def test_areas_in_roadmap_order(client: TestClient) -> None:
    areas = client.get("/v1/reform-areas?limit=200").json()["data"]
    expected = sorted(data.records("reform-areas"), key=lambda a: a.position)
    assert [(a["id"], a["position"]) for a in areas] == [(a.id, a.position) for a in expected]
    assert [a["position"] for a in areas] == list(range(1, len(areas) + 1))


def test_status_filter_and_progress(client: TestClient) -> None:
    areas = data.records("reform-areas")
    for status in {a.status for a in areas}:
        listed = ids(client, f"/v1/reform-areas?status={status}&limit=200")
        assert set(listed) == {a.id for a in areas if a.status == status}, status
    for area in areas:
        served = client.get(f"/v1/reform-areas/{area.id}").json()
        assert (served["status"], served["progress"]) == (area.status, area.progress)
