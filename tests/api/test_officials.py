"""`/v1/officials`: the executive heads of CICA and their deputies."""

from fastapi.testclient import TestClient

from tests.api.helpers import assert_problem, footnoted, ids


def test_one_record_per_person_per_post(client: TestClient) -> None:
    sarybay = [
        o
        for o in client.get("/v1/officials?q=sarybay").json()["data"]
        if o["names"]["en"] == "Kairat Sarybay"
    ]
    assert {o["post"] for o in sarybay} == {"executive-director", "secretary-general"}
    executive, secretary = sorted(sarybay, key=lambda o: o["term_start"])
    assert executive["term_end"] == secretary["term_start"]
    assert secretary["names"]["ru"] == "Кайрат Сарыбай"


def test_heads_in_order_and_one_in_office(client: TestClient) -> None:
    heads = client.get("/v1/officials?post=executive-director").json()["data"]
    starts = [o["term_start"] or o["attested_from"] for o in heads]
    assert starts == sorted(starts)
    assert not any(o["current"] for o in heads)  # the post was renamed in 2022
    in_office = ids(client, "/v1/officials?current=true&post=secretary-general")
    assert len(in_office) == 1


def test_appointing_meetings_and_nationalities_resolve(client: TestClient) -> None:
    for official in client.get("/v1/officials?limit=200").json()["data"]:
        if official["appointed_at"]:
            assert client.get(f"/v1/meetings/{official['appointed_at']}").status_code == 200
        if official["nationality"]:
            assert client.get(f"/v1/members/{official['nationality']}").status_code == 200
        supported = footnoted(official)
        for field in ("post", "names", "nationality", "term_start", "term_end", "appointed_at"):
            if official[field]:
                assert field in supported, (official["id"], field)


def test_filters_and_errors(client: TestClient) -> None:
    assert all(
        o["nationality"] == "KZ" for o in client.get("/v1/officials?nationality=kz").json()["data"]
    )
    assert_problem(client.get("/v1/officials?post=president"), 422)
    assert_problem(client.get("/v1/officials?current=maybe"), 422)
    assert_problem(client.get("/v1/officials/nobody-at-all"), 404)
    assert "secretary-general-sarybay" in ids(client, "/v1/search?q=sarybai&limit=50")
