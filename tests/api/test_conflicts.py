"""Disagreements between sources are shown, never hidden."""

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import ids

SEED_DOCUMENT_CONFLICTS = {
    # conflict id: (record path, field, current value, alternative value)
    "roadmap-approval-date": (
        "/v1/meetings/informal-ministerial-2023",
        "date",
        "2023-09-21",
        "2023-09-09",
    ),
    "secretariat-seat": ("/v1/councils/secretariat", "seat", "Astana", "Almaty"),
    "first-volunteer-summit-place": ("/v1/meetings/volunteer-summit-1", "place", "Astana", "Baku"),
    "thailand-accession": ("/v1/members/TH", "joined", "2004-10-22", "2006"),
    "turkmenistan-observer-since": ("/v1/observers/TM", "since", "2021-06-23", "2022-10-13"),
    "china-chairmanship-end": ("/v1/chairmanships/china-2014", "term_end", "2018-09", "2016"),
}


@pytest.mark.parametrize(("conflict_id", "expected"), SEED_DOCUMENT_CONFLICTS.items())
def test_record_holds_current_value_and_lists_the_alternative(
    client: TestClient, conflict_id: str, expected: tuple[str, str, str, str]
) -> None:
    path, field, current, alternative = expected
    record = client.get(path).json()
    assert record[field] == current
    disputed = [d for d in record["disputed"] if d["conflict_id"] == conflict_id]
    assert [(d["field"], d["value"]) for d in disputed] == [(field, alternative)]
    assert disputed[0]["sources"], "an alternative carries its citations"


@pytest.mark.parametrize("conflict_id", SEED_DOCUMENT_CONFLICTS)
def test_conflict_route_shows_every_claim_cited(client: TestClient, conflict_id: str) -> None:
    conflict = client.get(f"/v1/conflicts/{conflict_id}").json()
    assert len(conflict["claims"]) >= 2
    assert sum(c["current"] for c in conflict["claims"]) == 1
    assert all(c["sources"] for c in conflict["claims"])


def test_priority_area_count_is_the_areas_listed_and_every_claim_is_quoted(
    client: TestClient,
) -> None:
    """The current count is what the CBM dimensions list (topics incorporated into another
    area not counted), and every claimed count is stated by one of its own quotes: a count
    no source gives cannot be a claim."""
    conflict = client.get("/v1/conflicts/cbm-priority-areas-count").json()
    assert conflict["collection"] is None
    current = next(c["value"] for c in conflict["claims"] if c["current"])
    counts = client.get("/v1/organization").json()["counts"]
    assert int(current) == counts["cbm_priority_areas"]
    for claim in conflict["claims"]:
        assert any(claim["value"] in s["quote"] for s in claim["sources"]), claim["value"]


def test_filters(client: TestClient) -> None:
    assert ids(client, "/v1/conflicts?record_id=TH") == ["thailand-accession"]
    about_meetings = client.get("/v1/conflicts?collection=meetings&limit=200").json()["data"]
    assert about_meetings and {c["collection"] for c in about_meetings} == {"meetings"}
