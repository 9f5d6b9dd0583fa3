"""`/v1/members`, against what members.toml says (tests/support/data.py)."""

import datetime as dt

import pycountry
from fastapi.testclient import TestClient

from app.models.base import first_day
from tests.api.helpers import assert_problem, ids
from tests.support import data


def _day_before(value: str) -> str:
    start = first_day(value)
    assert start is not None
    return (start - dt.timedelta(days=1)).isoformat()


def test_lists_the_current_members_by_name(client: TestClient) -> None:
    body = client.get("/v1/members?limit=200").json()
    assert body["meta"]["total"] == len(data.members_on()) > 0
    assert {m["id"] for m in body["data"]} == data.members_on()
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
    assert kazakhstan["names"]["ru"] == "Казахстан"  # pycountry's, never typed in a data file
    assert kazakhstan["founding_member"] is data.record("members", "KZ").founding_member


def test_as_of_is_bounded_by_the_join_date(client: TestClient) -> None:
    """A member is listed from the day it joined, not the day before."""
    dated = [m for m in data.records("members") if (data.joined(m) or "").count("-") == 2]
    assert dated, "members.toml gives no join date to the day"
    for member in dated:
        joined = data.joined(member)
        assert joined is not None
        assert member.id not in ids(client, f"/v1/members?as_of={_day_before(joined)}&limit=200")
        assert member.id in ids(client, f"/v1/members?as_of={joined}&limit=200")
    latest = max(data.joined(m) or "" for m in dated)
    before = _day_before(latest)
    total = client.get(f"/v1/members?as_of={before}").json()["meta"]["total"]
    assert total == len(data.members_on(dt.date.fromisoformat(before)))


def test_partial_dates_count_from_their_first_day(client: TestClient) -> None:
    """`2011` counts from 1 January 2011, `2010-06` from 1 June."""
    partial = [m for m in data.records("members") if (data.joined(m) or "").count("-") < 2]
    for member in partial:
        joined = data.joined(member)
        if joined is None:
            continue
        first = first_day(joined)
        assert first is not None
        assert member.id not in ids(client, f"/v1/members?as_of={_day_before(joined)}&limit=200")
        assert member.id in ids(client, f"/v1/members?as_of={first.isoformat()}&limit=200")


def test_history_is_every_period_of_the_file(client: TestClient) -> None:
    """Observer years before membership stay in the history; `joined` is the start of
    membership."""
    for member in data.records("members"):
        served = client.get(f"/v1/members/{member.id}").json()
        assert [
            (p["status"], p["from"], p["to"], p["attested_from"], p["attested_until"])
            for p in served["history"]
        ] == [
            (p.status, p.since, p.until, p.attested_from, p.attested_until) for p in member.history
        ], member.id
        assert served["joined"] == data.joined(member)
        if served["joined"]:
            before = _day_before(served["joined"])
            assert member.id not in ids(client, f"/v1/members?as_of={before}&limit=200")


def test_joined_range_and_founding_filters(client: TestClient) -> None:
    def year(member: object) -> int | None:
        joined = data.joined(member)
        return int(joined[:4]) if joined else None

    members = data.records("members")
    later = ids(client, "/v1/members?joined_after=2010&limit=200")
    assert set(later) == {m.id for m in members if (year(m) or 0) > 2010}
    window = ids(client, "/v1/members?joined_after=2003&joined_before=2009&limit=200")
    assert set(window) == {m.id for m in members if 2003 < (year(m) or 0) < 2009}
    founding = set(ids(client, "/v1/members?founding=true&limit=200"))
    assert founding == data.founding_members()
    others = set(ids(client, "/v1/members?founding=false&limit=200"))
    assert others == data.ids("members") - data.founding_members()
    # Founding members are the signatories of 1999: as many as the sources' current count.
    conflict = client.get("/v1/conflicts/founding-states").json()
    signatories = int(next(c["value"] for c in conflict["claims"] if c["current"]))
    assert len(founding) == signatories


def test_sort_by_join_date_descending_then_name(client: TestClient) -> None:
    joined = [
        m["joined"] for m in client.get("/v1/members?sort=-joined,name&limit=200").json()["data"]
    ]
    known = [j for j in joined if j is not None]
    assert joined == sorted(known, reverse=True) + [None] * (len(joined) - len(known))
    latest = max(j for m in data.records("members") if (j := data.joined(m)) is not None)
    first = ids(client, "/v1/members?sort=-joined&limit=1")
    assert data.joined(data.record("members", first[0])) == latest


def test_bad_filter_values_are_422(client: TestClient) -> None:
    assert_problem(client.get("/v1/members?as_of=2022-13-01"), 422)
    assert_problem(client.get("/v1/members?joined_after=soon"), 422)
    assert_problem(client.get("/v1/members?founding=maybe"), 422)


def test_a_state_that_never_was_a_member_is_404(client: TestClient) -> None:
    observer_state = min(data.observers_on(type="state") - data.ids("members"))
    assert_problem(client.get(f"/v1/members/{observer_state}"), 404)
    assert_problem(client.get("/v1/members/XX"), 404)
