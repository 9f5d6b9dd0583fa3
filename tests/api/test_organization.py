"""`/v1/organization`: CICA itself, one object, with counts and chair derived from the data."""

from fastapi.testclient import TestClient

from tests.api.helpers import assert_problem, ids


def _total(client: TestClient, url: str) -> int:
    body = client.get(url).json()
    return int(body["meta"]["total"])


def test_one_object_not_a_list(client: TestClient) -> None:
    body = client.get("/v1/organization").json()
    assert body["id"] == "cica" and body["acronym"] == "CICA"
    assert "data" not in body
    assert body["names"]["ru"] and body["sources"]
    assert client.get("/v1/organization?lang=ru").json()["name"] == body["names"]["ru"]


def test_counts_are_derived_from_the_lists(client: TestClient) -> None:
    counts = client.get("/v1/organization").json()["counts"]
    assert counts["members"] == _total(client, "/v1/members?limit=1")
    assert counts["observers"] == {
        "states": _total(client, "/v1/observers?status=observer&type=state&limit=1"),
        "organizations": _total(client, "/v1/observers?status=observer&type=organization&limit=1"),
    }
    assert counts["applicants"] == _total(client, "/v1/observers?status=applicant&limit=1")
    assert counts["partner_organizations"] == {
        "active": _total(client, "/v1/partner-organizations?status=active&limit=1"),
        "in_preparation": _total(client, "/v1/partner-organizations?status=in-preparation&limit=1"),
        "ended": _total(client, "/v1/partner-organizations?status=ended&limit=1"),
    }
    for status, count in counts["meetings"].items():
        assert count == _total(client, f"/v1/meetings?status={status}&limit=1"), status
    for status, count in counts["councils"].items():
        assert count == _total(client, f"/v1/councils?status={status}&limit=1"), status
    assert counts["officials_in_office"] == _total(client, "/v1/officials?current=true&limit=1")


def test_current_chair_is_the_current_chairmanship(client: TestClient) -> None:
    chair = client.get("/v1/organization").json()["current_chair"]
    current = [c for c in client.get("/v1/chairmanships").json()["data"] if c["current"]]
    if not current:
        assert chair is None
        return
    assert chair["chairmanship_id"] == current[0]["id"]
    assert chair["state"] == current[0]["state"] and chair["motto"] == current[0]["motto"]


def test_founding_documents_point_at_meetings(client: TestClient) -> None:
    body = client.get("/v1/organization").json()
    for document in body["founding_documents"]:
        meeting = client.get(f"/v1/meetings/{document['meeting']}").json()
        assert meeting["date"] == document["date"], document["name"]
    assert body["seat"] == body["seat_history"][-1]["city"]
    assert body["data_as_of"] == client.get("/v1/members").json()["meta"]["data_as_of"]


def test_read_semantics_like_every_read(client: TestClient) -> None:
    response = client.get("/v1/organization")
    assert response.headers["etag"] and response.headers["last-modified"]
    assert (
        client.get("/v1/organization", headers={"If-None-Match": response.headers["etag"]})
    ).status_code == 304
    head = client.head("/v1/organization")
    assert head.status_code == 200 and head.content == b""
    sparse = client.get("/v1/organization?fields=counts").json()
    assert set(sparse) == {"id", "counts"}
    assert_problem(client.get("/v1/organization?colour=red"), 400)
    assert_problem(client.get("/v1/organization/cica"), 404)
    assert_problem(client.get("/v1/organization", headers={"Accept": "text/csv"}), 406)


def test_not_a_search_hit_nor_a_list(client: TestClient) -> None:
    assert "cica" not in ids(client, "/v1/search?q=cica&limit=200")
