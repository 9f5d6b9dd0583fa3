"""`/healthz` and `/readyz`."""

from fastapi.testclient import TestClient

from tests.api.helpers import assert_problem


def test_live_and_ready(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert ready["snapshot"]["dataset_version"] >= 1 and ready["snapshot"]["records"] > 200


def test_probes_answer_head_and_refuse_writes(client: TestClient) -> None:
    assert client.head("/healthz").status_code == 200
    assert client.head("/readyz").status_code == 200
    response = client.post("/healthz")
    assert_problem(response, 405)
    assert "HEAD" in response.headers["allow"]
