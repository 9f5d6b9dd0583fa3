"""Chairmanships, meetings and the CBM Catalogue, and their links to members and bodies."""

from fastapi.testclient import TestClient

from tests.api.helpers import assert_problem, ids


def test_chairmanships_in_order_with_one_current(client: TestClient) -> None:
    chairs = client.get("/v1/chairmanships").json()["data"]
    assert [c["state"] for c in chairs] == ["KZ", "TR", "CN", "TJ", "KZ", "AZ"]
    assert [c["id"] for c in chairs if c["current"]] == ["azerbaijan-2024"]
    assert ids(client, "/v1/chairmanships?state=kz") == ["kazakhstan-2002", "kazakhstan-2020"]
    assert_problem(client.get("/v1/chairmanships?state=KAZ"), 422)


def test_meetings_number_place_and_date(client: TestClient) -> None:
    summits = client.get("/v1/meetings?kind=summit").json()["data"]
    assert [s["number"] for s in summits] == [1, 2, 3, 4, 5, 6, 7]
    sixth = client.get("/v1/meetings/summit-6").json()
    assert (sixth["place"], sixth["host"], sixth["date"], sixth["end_date"]) == (
        "Astana",
        "KZ",
        "2022-10-12",
        "2022-10-13",
    )
    # The 7th summit's month has passed and no source read confirms it was held.
    assert ids(client, "/v1/meetings?status=scheduled&kind=summit") == ["summit-7"]
    assert client.get("/v1/meetings/summit-7").json()["outcome"] == "unconfirmed"
    assert ids(client, "/v1/meetings?host=TR") == ["summit-3"]
    assert "ministerial-1" not in ids(client, "/v1/meetings?year_from=2000&limit=200")


def test_member_shows_chairmanships_hosted_meetings_and_cbm_roles(client: TestClient) -> None:
    azerbaijan = client.get("/v1/members/AZ").json()
    assert azerbaijan["chairmanships"] == ["azerbaijan-2024"]
    assert "ministerial-7" in azerbaijan["meetings_hosted"]
    assert {
        "area_id": "transport-corridors",
        "dimension_id": "economic",
        "role": "coordinator",
    } in (azerbaijan["cbm_areas"])
    china = client.get("/v1/members/CN").json()
    assert {
        "area_id": "transport-corridors",
        "dimension_id": "economic",
        "role": "co-coordinator",
    } in (china["cbm_areas"])
    assert client.get("/v1/members/KZ").json()["chairmanships"] == [
        "kazakhstan-2002",
        "kazakhstan-2020",
    ]


def test_body_shows_the_meeting_that_created_it_and_back(client: TestClient) -> None:
    fund = client.get("/v1/councils/cica-fund").json()
    assert fund["established_at"] == "summit-6"
    assert "cica-fund" in client.get("/v1/meetings/summit-6").json()["bodies_established"]
    secretariat = client.get("/v1/councils/secretariat").json()
    assert (secretariat["proposed_at"], secretariat["established_at"]) == ("summit-1", "summit-2")


def test_cbm_dimensions_with_coordinators(client: TestClient) -> None:
    dimensions = client.get("/v1/cbm-dimensions").json()["data"]
    assert [d["id"] for d in dimensions] == [
        "military-political",
        "new-challenges-and-threats",
        "economic",
        "environmental",
        "human",
    ]
    economic = client.get("/v1/cbm-dimensions/economic").json()
    corridors = next(a for a in economic["priority_areas"] if a["id"] == "transport-corridors")
    assert (corridors["coordinators"], corridors["co_coordinators"]) == (["AZ"], ["CN", "IN"])
    assert all(a["sources"] for d in dimensions for a in d["priority_areas"])
    only_azerbaijan = client.get("/v1/cbm-dimensions?coordinator=az").json()["data"]
    assert [[a["id"] for a in d["priority_areas"]] for d in only_azerbaijan] == [
        ["transport-corridors"]
    ]
