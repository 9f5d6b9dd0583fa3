"""`/v1/observers`, against what observers.toml and members.toml say (tests/support/data.py)."""

import datetime as dt

import pycountry
from fastapi.testclient import TestClient

from tests.api.helpers import assert_problem, ids
from tests.support import data

STATUSES = ("observer", "applicant")


def test_current_observers_and_applicants_with_their_type(client: TestClient) -> None:
    observers = client.get("/v1/observers?limit=200").json()["data"]
    assert {o["id"] for o in observers} == data.observers_on()
    files = {o.id: o for o in data.records("observers")}
    for observer in observers:
        assert observer["status"] == data.status_on(observer["id"], None), observer["id"]
        if observer["type"] == "state":
            country = pycountry.countries.get(alpha_2=observer["id"])
            assert observer["iso_alpha3"] == country.alpha_3
        else:
            assert observer["acronym"] == files[observer["id"]].acronym
            assert observer["name"] == files[observer["id"]].names["en"]
        if observer["id"] in files:
            assert observer["type"] == files[observer["id"]].type
    assert not data.members_on() & {o["id"] for o in observers}, "members are not observers"


def test_filters_by_type_and_status(client: TestClient) -> None:
    for party_type in ("state", "organization"):
        listed = ids(client, f"/v1/observers?type={party_type}&limit=200")
        assert set(listed) == data.observers_on(type=party_type)
    for status in STATUSES:
        listed = ids(client, f"/v1/observers?status={status}&limit=200")
        assert set(listed) == data.observers_on(status=status)


def test_as_of_lists_who_observed_that_day(client: TestClient) -> None:
    """On every day a status begins or ends (and the day before), later members included
    while they observed."""
    for day in data.boundary_days():
        listed = ids(client, f"/v1/observers?as_of={day.isoformat()}&limit=200")
        assert set(listed) == data.observers_on(day), day
    today = dt.date.today()
    assert set(ids(client, f"/v1/observers?as_of={today}&limit=200")) == data.observers_on(today)


def test_a_former_observer_resolves_to_a_record_that_says_it_ended(client: TestClient) -> None:
    for party_id, _, history in data.parties():
        held = [p for p in history if p.status in STATUSES]
        if not held or (held[-1].until is None and held[-1].attested_until is None):
            continue
        record = client.get(f"/v1/observers/{party_id}").json()
        assert record["status"] == f"former-{held[-1].status}", party_id
        assert record["until"] == held[-1].until


def test_detail_by_id_in_any_case(client: TestClient) -> None:
    state = min(data.observers_on(type="state"))
    assert client.get(f"/v1/observers/{state.lower()}").json()["id"] == state


def test_a_member_that_never_observed_is_404(client: TestClient) -> None:
    observed = {
        party_id for party_id, _, h in data.parties() if any(p.status in STATUSES for p in h)
    }
    never = min(data.ids("members") - observed)
    assert_problem(client.get(f"/v1/observers/{never}"), 404)
    assert_problem(client.get("/v1/observers?type=planet"), 422)
