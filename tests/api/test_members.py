"""`/v1/members`."""

import pycountry
from fastapi.testclient import TestClient

from tests.api.helpers import assert_problem, ids


def test_lists_the_28_members_by_name(client: TestClient) -> None:
    body = client.get("/v1/members").json()
    assert body["meta"]["total"] == 28
    names = [m["name"] for m in body["data"]]
    assert names == sorted(names, key=str.casefold)


def test_codes_come_from_iso_3166(client: TestClient) -> None:
    for member in client.get("/v1/members?limit=200").json()["data"]:
        country = pycountry.countries.get(alpha_2=member["id"])
        assert (country.alpha_3, country.numeric) == (member["iso_alpha3"], member["iso_numeric"])


def test_detail_by_alpha2_any_case_and_alpha3(client: TestClient) -> None:
    assert client.get("/v1/members/kz").json()["id"] == "KZ"
    kazakhstan = client.get("/v1/members/KAZ").json()
    assert kazakhstan["id"] == "KZ"
    assert kazakhstan["names"]["ru"] == "Казахстан"
    assert kazakhstan["founding_member"] is True


def test_as_of_is_bounded_by_the_join_date(client: TestClient) -> None:
    assert "KW" not in ids(client, "/v1/members?as_of=2022-10-12&limit=200")
    assert "KW" in ids(client, "/v1/members?as_of=2022-10-13&limit=200")
    assert client.get("/v1/members?as_of=2021-12-31").json()["meta"]["total"] == 27


def test_year_precision_counts_from_first_of_january(client: TestClient) -> None:
    assert "KH" not in ids(client, "/v1/members?as_of=2010-12-31&limit=200")
    assert "KH" in ids(client, "/v1/members?as_of=2011-01-01&limit=200")


def test_observer_years_before_membership_are_history(client: TestClient) -> None:
    sri_lanka = client.get("/v1/members/LK").json()
    assert [(p["status"], p.get("from"), p.get("to")) for p in sri_lanka["history"]] == [
        ("observer", "2012", "2018-08-15"),
        ("member", "2018-08-15", None),
    ]
    assert sri_lanka["joined"] == "2018-08-15"
    assert "LK" not in ids(client, "/v1/members?as_of=2018-08-14&limit=200")


def test_joined_range_and_founding_filters(client: TestClient) -> None:
    later = client.get("/v1/members?joined_after=2010&limit=200").json()["data"]
    assert {m["id"] for m in later} == {"BH", "KH", "QA", "BD", "LK", "KW"}
    window = ids(client, "/v1/members?joined_after=2003&joined_before=2009&limit=200")
    assert set(window) == {"TH", "KR", "JO", "AE"}
    # Founding members are the signatories of 1999: as many as the sources' current count.
    founding = client.get("/v1/conflicts/founding-states").json()
    signatories = int(next(c["value"] for c in founding["claims"] if c["current"]))
    assert client.get("/v1/members?founding=true").json()["meta"]["total"] == signatories
    total = client.get("/v1/members").json()["meta"]["total"]
    assert client.get("/v1/members?founding=false").json()["meta"]["total"] == total - signatories


def test_sort_by_join_date_descending_then_name(client: TestClient) -> None:
    joined = [
        m["joined"] for m in client.get("/v1/members?sort=-joined,name&limit=200").json()["data"]
    ]
    known = [j for j in joined if j is not None]
    assert joined == sorted(known, reverse=True) + [None] * (len(joined) - len(known))
    assert ids(client, "/v1/members?sort=-joined&limit=1") == ["KW"]


def test_bad_filter_values_are_422(client: TestClient) -> None:
    assert_problem(client.get("/v1/members?as_of=2022-13-01"), 422)
    assert_problem(client.get("/v1/members?joined_after=soon"), 422)
    assert_problem(client.get("/v1/members?founding=maybe"), 422)


def test_non_member_state_is_404(client: TestClient) -> None:
    assert_problem(client.get("/v1/members/JP"), 404)
