"""Disagreements between sources are shown, never hidden: each conflict of conflicts.toml,
with its claims and their citations, on the conflict route and on the record it is about."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import ids
from tests.support import data

CONFLICTS = {c.id: c for c in data.dataset().conflicts}
ABOUT_A_RECORD = [c.id for c in CONFLICTS.values() if c.record is not None]


def _path(conflict: Any) -> str:
    collection = conflict.record.collection
    if collection == "organization":  # the one record is at its own path
        return "/v1/organization"
    return f"/v1/{collection}/{conflict.record.id}"


def _claims(conflict: Any) -> dict[str, set[str]]:
    return {c.value: {s.source_id for s in c.sources} for c in conflict.claims}


@pytest.mark.parametrize("conflict_id", ABOUT_A_RECORD)
def test_record_holds_current_value_and_lists_the_alternatives(
    client: TestClient, conflict_id: str
) -> None:
    conflict = CONFLICTS[conflict_id]
    record = client.get(_path(conflict)).json()
    value = record[conflict.field]
    assert (value["en"] if isinstance(value, dict) else value) == data.current_claim(conflict).value
    disputed = [d for d in record["disputed"] if d["conflict_id"] == conflict_id]
    assert [(d["field"], d["value"]) for d in disputed] == [
        (conflict.field, c.value) for c in conflict.claims if not c.current
    ]
    assert all(d["sources"] for d in disputed), "an alternative carries its citations"


@pytest.mark.parametrize("conflict_id", CONFLICTS)
def test_conflict_route_shows_every_claim_cited(client: TestClient, conflict_id: str) -> None:
    served = client.get(f"/v1/conflicts/{conflict_id}").json()
    assert len(served["claims"]) >= 2
    assert [c["value"] for c in served["claims"] if c["current"]] == [
        data.current_claim(CONFLICTS[conflict_id]).value
    ]
    shown = {c["value"]: {s["source_id"] for s in c["sources"]} for c in served["claims"]}
    assert shown == _claims(CONFLICTS[conflict_id])
    assert all(shown.values())


def test_the_priority_area_count_is_the_areas_listed_and_every_claim_is_quoted(
    client: TestClient,
) -> None:
    """The documents disagree on how many CBM priority areas there are. The current claim
    is the number of areas the CBM dimensions list (topics incorporated into another area,
    `part_of`, not counted), which `/v1/organization` counts too; the documents' own counts
    are among the claims, and every claimed count is stated by one of its own quotes: a
    count no source gives cannot be a claim."""
    conflict = client.get("/v1/conflicts/cbm-priority-areas-count").json()
    assert conflict["collection"] is None
    areas = sum(a.part_of is None for d in data.records("cbm-dimensions") for a in d.areas)
    current = next(c["value"] for c in conflict["claims"] if c["current"])
    assert current == str(areas)
    assert client.get("/v1/organization").json()["counts"]["cbm_priority_areas"] == areas
    cited = {s["source_id"] for c in conflict["claims"] for s in c["sources"]}
    assert cited & data.seed_documents(), "the documents' own counts are among the claims"
    for claim in conflict["claims"]:
        assert any(claim["value"] in s["quote"] for s in claim["sources"]), claim["value"]


def test_filters(client: TestClient) -> None:
    subject = CONFLICTS[ABOUT_A_RECORD[0]].record
    assert set(ids(client, f"/v1/conflicts?record_id={subject.id}&limit=200")) == {
        c.id for c in CONFLICTS.values() if c.record and c.record.id == subject.id
    }
    about_meetings = ids(client, "/v1/conflicts?collection=meetings&limit=200")
    assert set(about_meetings) == {c.id for c in data.conflicts_about("meetings")}
