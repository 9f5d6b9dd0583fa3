"""`/v1/partner-organizations`."""

from fastapi.testclient import TestClient

from tests.api.helpers import assert_problem, ids


def test_signed_and_in_preparation(client: TestClient) -> None:
    sco = client.get("/v1/partner-organizations/SCO").json()
    assert (sco["relationship"], sco["status"], sco["since"]) == (
        "memorandum-of-understanding",
        "active",
        "2014-05-20",
    )
    assert "asean" in ids(client, "/v1/partner-organizations?status=in-preparation")
    assert "asean" not in ids(client, "/v1/partner-organizations?status=active&limit=200")


def test_relationship_filter(client: TestClient) -> None:
    mous = client.get(
        "/v1/partner-organizations?relationship=memorandum-of-understanding&limit=200"
    )
    assert {p["relationship"] for p in mous.json()["data"]} == {"memorandum-of-understanding"}
    assert_problem(client.get("/v1/partner-organizations?relationship=friends"), 422)
