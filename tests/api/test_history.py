"""Chairmanships, meetings and the CBM Catalogue, and their links to members and bodies,
against what their data files say (tests/support/data.py)."""

import datetime as dt
from collections import Counter
from typing import Any

from fastapi.testclient import TestClient

from app.models.base import first_day, last_day
from tests.api.helpers import assert_problem, ids
from tests.support import data


def _chairmanships() -> list[Any]:
    """In term order, as the API lists them."""
    return sorted(data.records("chairmanships"), key=lambda c: first_day(c.term_start))


def _meetings() -> list[Any]:
    """In date order, as the API lists them."""
    return sorted(data.records("meetings"), key=lambda m: (first_day(m.date), m.id))


def test_chairmanships_in_order_with_the_latest_begun_current(client: TestClient) -> None:
    chairs = client.get("/v1/chairmanships?limit=200").json()["data"]
    expected = _chairmanships()
    assert [(c["id"], c["state"]) for c in chairs] == [(c.id, c.state) for c in expected]
    # A chair serves until the next takes over: the latest one, once its term has begun.
    latest = expected[-1]
    begun = (first_day(latest.term_start) or dt.date.max) <= dt.date.today()
    assert [c["id"] for c in chairs if c["current"]] == ([latest.id] if begun else [])
    state, _ = Counter(c.state for c in expected).most_common(1)[0]
    assert ids(client, f"/v1/chairmanships?state={state.lower()}") == [
        c.id for c in expected if c.state == state
    ]
    assert_problem(client.get("/v1/chairmanships?state=KAZ"), 422)


def test_meetings_show_what_their_file_says(client: TestClient) -> None:
    for meeting in _meetings():
        served = client.get(f"/v1/meetings/{meeting.id}").json()
        fields = ("kind", "number", "status", "outcome", "place", "host", "date", "end_date")
        assert {f: served[f] for f in fields} == {f: getattr(meeting, f) for f in fields}


def test_meetings_listed_in_date_order_and_filtered(client: TestClient) -> None:
    meetings = _meetings()
    assert ids(client, "/v1/meetings?limit=200") == [m.id for m in meetings]
    summits = [m for m in meetings if m.kind == "summit"]
    # Summits are numbered in the order they met, from the first, none missing.
    numbers = [s["number"] for s in client.get("/v1/meetings?kind=summit&limit=200").json()["data"]]
    assert numbers == [s.number for s in summits] == list(range(1, len(summits) + 1))
    scheduled = ids(client, "/v1/meetings?status=scheduled&kind=summit&limit=200")
    assert scheduled == [s.id for s in summits if s.status == "scheduled"]
    for host in {m.host for m in meetings if m.host}:
        assert ids(client, f"/v1/meetings?host={host}&limit=200") == [
            m.id for m in meetings if m.host == host
        ]
    since_2000 = ids(client, "/v1/meetings?year_from=2000&limit=200")
    assert since_2000 == [m.id for m in meetings if int(m.date[:4]) >= 2000]


def test_a_scheduled_meeting_past_its_date_is_unconfirmed(client: TestClient) -> None:
    """Its month has passed and no source read confirms it was held."""
    for meeting in client.get("/v1/meetings?status=scheduled&limit=200").json()["data"]:
        if (last_day(meeting["date"]) or dt.date.max) < dt.date.today():
            assert meeting["outcome"] == "unconfirmed", meeting["id"]


def test_member_shows_chairmanships_hosted_meetings_and_cbm_roles(client: TestClient) -> None:
    roles: dict[str, set[tuple[str, str, str]]] = {}
    for dimension in data.records("cbm-dimensions"):
        for area in dimension.areas:
            for role, states in (
                ("coordinator", area.coordinators),
                ("co-coordinator", area.co_coordinators),
            ):
                for state in states:
                    roles.setdefault(state, set()).add((area.id, dimension.id, role))
    for member in data.records("members"):
        served = client.get(f"/v1/members/{member.id}").json()
        assert served["chairmanships"] == [c.id for c in _chairmanships() if c.state == member.id]
        assert served["meetings_hosted"] == [m.id for m in _meetings() if m.host == member.id]
        shown = {(r["area_id"], r["dimension_id"], r["role"]) for r in served["cbm_areas"]}
        assert shown == roles.get(member.id, set()), member.id


def test_body_shows_the_meeting_that_created_it_and_back(client: TestClient) -> None:
    councils = data.records("councils")
    assert any(c.established_at for c in councils), "no body names the meeting that created it"
    for council in councils:
        served = client.get(f"/v1/councils/{council.id}").json()
        assert (served["proposed_at"], served["established_at"]) == (
            council.proposed_at,
            council.established_at,
        )
        if council.established_at:
            meeting = client.get(f"/v1/meetings/{council.established_at}").json()
            assert council.id in meeting["bodies_established"]
        if council.proposed_at:
            meeting = client.get(f"/v1/meetings/{council.proposed_at}").json()
            assert council.id in meeting["bodies_proposed"]


def test_cbm_dimensions_with_coordinators(client: TestClient) -> None:
    expected = sorted(data.records("cbm-dimensions"), key=lambda d: d.position)
    dimensions = client.get("/v1/cbm-dimensions?limit=200").json()["data"]
    assert [d["id"] for d in dimensions] == [d.id for d in expected]
    for served, dimension in zip(dimensions, expected, strict=True):
        assert [
            (a["id"], a["coordinators"], a["co_coordinators"]) for a in served["priority_areas"]
        ] == [(a.id, a.coordinators, a.co_coordinators) for a in dimension.areas]
    assert all(a["sources"] for d in dimensions for a in d["priority_areas"])
    coordinator = next(s for d in expected for a in d.areas for s in a.coordinators)
    only_theirs = client.get(f"/v1/cbm-dimensions?coordinator={coordinator.lower()}").json()
    assert [[a["id"] for a in d["priority_areas"]] for d in only_theirs["data"]] == [
        [a.id for a in d.areas if coordinator in (*a.coordinators, *a.co_coordinators)]
        for d in expected
        if any(coordinator in (*a.coordinators, *a.co_coordinators) for a in d.areas)
    ]
