"""`/v1/observers`."""

from fastapi.testclient import TestClient

from tests.api.helpers import assert_problem, ids


def test_states_and_organizations_with_applicants(client: TestClient) -> None:
    observers = client.get("/v1/observers?limit=200").json()["data"]
    by_id = {o["id"]: o for o in observers}
    assert by_id["JP"]["type"] == "state" and by_id["JP"]["iso_alpha3"] == "JPN"
    assert by_id["osce"]["type"] == "organization" and by_id["osce"]["acronym"] == "OSCE"
    assert by_id["MA"]["status"] == "applicant"
    assert not {"LK", "KW", "QA"} & by_id.keys(), "members are not current observers"


def test_filters_by_type_and_status(client: TestClient) -> None:
    organizations = client.get("/v1/observers?type=organization&limit=200").json()["data"]
    assert organizations and all(o["type"] == "organization" for o in organizations)
    assert ids(client, "/v1/observers?status=applicant") == ["MA"]


def test_as_of_shows_later_members_while_observers(client: TestClient) -> None:
    in_2015 = ids(client, "/v1/observers?as_of=2015-06-01&limit=200")
    assert "LK" in in_2015
    assert "SA" not in in_2015
    assert "SA" in ids(client, "/v1/observers?as_of=2023-12-26&limit=200")
    assert "SA" not in ids(client, "/v1/observers?as_of=2023-12-25&limit=200")


def test_detail_of_state_and_organization(client: TestClient) -> None:
    assert client.get("/v1/observers/jp").json()["id"] == "JP"
    assert client.get("/v1/observers/UN").json()["name"] == "United Nations"
    # Sri Lanka observed, then joined: its observer record says the status has ended.
    lanka = client.get("/v1/observers/LK").json()
    assert lanka["status"] == "former-observer" and lanka["until"]


def test_a_member_that_never_observed_is_404(client: TestClient) -> None:
    assert_problem(client.get("/v1/observers/KZ"), 404)
    assert_problem(client.get("/v1/observers?type=planet"), 422)
