"""`/v1/reform-areas`."""

from fastapi.testclient import TestClient


def test_eight_areas_in_roadmap_order(client: TestClient) -> None:
    areas = client.get("/v1/reform-areas").json()["data"]
    assert [a["position"] for a in areas] == list(range(1, 9))
    assert areas[0]["id"] == "charter"


def test_status_filter_and_progress(client: TestClient) -> None:
    completed = client.get("/v1/reform-areas?status=completed").json()["data"]
    assert "cbm-implementation" in {a["id"] for a in completed}
    charter = client.get("/v1/reform-areas/charter").json()
    assert charter["status"] == "in-progress" and "2026" in charter["progress"]
