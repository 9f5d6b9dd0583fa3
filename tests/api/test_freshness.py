"""Freshness, review and derivations as the API serves them, stated as rules over the data:
every record says how old its evidence is and whether it needs review; every derivation's
premises exist; counts match the lists they count; every status is a filter value."""

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.core.snapshot import build_snapshot
from app.models.base import first_day, last_day
from app.registry import COLLECTIONS
from app.review_queue import review_queue
from app.services.review import months_before
from tests.api.helpers import footnoted, walk_pages

FACT_COLLECTIONS = (
    "members",
    "observers",
    "partner-organizations",
    "councils",
    "reform-areas",
    "chairmanships",
    "meetings",
    "cbm-dimensions",
    "officials",
)
FORMER_STATUSES = {
    "members": ("former-member",),
    "observers": ("former-observer", "former-applicant"),
    "partner-organizations": ("ended",),
}


def _all(client: TestClient, url: str) -> list[dict[str, Any]]:
    joiner = "&" if "?" in url else "?"
    records, _ = walk_pages(client, f"{url}{joiner}limit=200")
    return records


def _every(client: TestClient, collection: str) -> list[dict[str, Any]]:
    """Every record of a collection once: the default list and the former statuses."""
    records = _all(client, f"/v1/{collection}")
    for status in FORMER_STATUSES.get(collection, ()):
        records += _all(client, f"/v1/{collection}?status={status}")
    return records


def _dates(client: TestClient) -> dict[str, str]:
    return {s["id"]: s["date"] for s in _all(client, "/v1/sources") if s["date"]}


@pytest.mark.parametrize("collection", [*FACT_COLLECTIONS, "conflicts"])
def test_every_record_says_how_fresh_it_is(client: TestClient, collection: str) -> None:
    """`last_attested` is the date of one of the record's own dated sources (or null when
    none supports its current state); `needs_review` is true exactly when it gives reasons."""
    dates = _dates(client)
    for record in _every(client, collection):
        assert {"last_attested", "needs_review", "review_reasons"} <= record.keys()
        assert record["needs_review"] == bool(record["review_reasons"]), record["id"]
        cited = {c["source_id"] for c in record.get("sources", [])}
        cited |= {c["source_id"] for claim in record.get("claims", []) for c in claim["sources"]}
        for area in record.get("priority_areas", []):
            cited |= {c["source_id"] for c in area["sources"]}
        if record["last_attested"] is not None:
            assert record["last_attested"] in {dates.get(s) for s in cited}, record["id"]


def test_a_current_state_without_recent_evidence_is_flagged(client: TestClient) -> None:
    """Whatever holds today (a membership, an observer status, an active partnership, a
    current chair or official) rests on a source dated within the review period, or the
    record says it does not."""
    today = dt.date.today()
    horizon = months_before(today, 12)
    current = [
        *(("members", m) for m in _all(client, "/v1/members")),
        *(("observers", o) for o in _all(client, "/v1/observers")),
        *(("partner-organizations", p) for p in _all(client, "/v1/partner-organizations")),
        *(("chairmanships", c) for c in _all(client, "/v1/chairmanships?current=true")),
        *(("officials", o) for o in _all(client, "/v1/officials?current=true")),
    ]
    assert current
    for collection, record in current:
        last = record["last_attested"]
        stale = last is None or (last_day(last) or dt.date.min) < horizon
        rules = {r["rule"] for r in record["review_reasons"]}
        assert ("not-attested" in rules) == stale, (collection, record["id"], last)


def test_needs_review_lists_and_the_review_command_answer_the_same_records(
    client: TestClient, seeded_engine: Engine
) -> None:
    listed = {
        (collection, record["id"])
        for collection in (*FACT_COLLECTIONS, "conflicts")
        for status in (None, *FORMER_STATUSES.get(collection, ()))
        for record in _all(
            client,
            f"/v1/{collection}?needs_review=true" + (f"&status={status}" if status else ""),
        )
    }
    organization = client.get("/v1/organization").json()
    if organization["needs_review"]:
        listed.add(("organization", "cica"))
    queue = {
        (e.collection, e.id)
        for e in review_queue(build_snapshot(seeded_engine, COLLECTIONS), COLLECTIONS)
    }
    assert listed == queue
    assert queue, "the dataset's newest source is older than the review period"
    not_flagged = {
        (collection, record["id"])
        for collection in FACT_COLLECTIONS
        for record in _all(client, f"/v1/{collection}?needs_review=false")
    }
    assert not not_flagged & queue


def test_the_review_command_prints_the_queue(
    seeded_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main
    from app.core.config import get_settings

    monkeypatch.setenv("CICA_DATABASE_URL", seeded_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        capsys.readouterr()
        assert main(["review", "--json"]) == 0
        printed = json.loads(capsys.readouterr().out)
        assert main(["review"]) == 0
        text = capsys.readouterr().out
    finally:
        get_settings.cache_clear()
    expected = review_queue(build_snapshot(seeded_engine, COLLECTIONS), COLLECTIONS)
    assert [(r["collection"], r["id"]) for r in printed["records"]] == [
        (e.collection, e.id) for e in expected
    ]
    assert all(r["reasons"] for r in printed["records"])
    assert printed["sources_until"] and printed["day"] == dt.date.today().isoformat()
    for entry in expected:
        assert f"{entry.collection}/{entry.id} " in text


def test_a_current_chair_past_its_expected_end_is_flagged_and_shown_so(
    seeded_engine: Engine,
) -> None:
    """On any day after the current chair's expected end its record and
    `/v1/organization`'s `current_chair` are flagged; on a day before it, not for that."""
    snapshot = build_snapshot(seeded_engine, COLLECTIONS)
    chairs = [item.record for item in snapshot.collections["chairmanships"].items]
    latest = chairs[-1]
    end = last_day(latest.term_end)
    assert end is not None, "the latest chairmanship has an expected end"
    start = last_day(latest.term_start) or dt.date.min
    for day, flagged in (
        (max(start, end - dt.timedelta(days=1)), False),
        (end + dt.timedelta(days=1), True),
    ):
        built = build_snapshot(seeded_engine, COLLECTIONS, today=lambda d=day: d)
        chair = built.collections["chairmanships"].by_id[latest.id].record
        assert chair.current
        rules = {r.rule for r in chair.review_reasons}
        assert ("expected-end-passed" in rules) == flagged, day
        organization = built.collections["organization"].items[0].record
        assert organization.current_chair is not None
        shown = {r.rule for r in organization.current_chair.review_reasons}
        assert ("expected-end-passed" in shown) == flagged, day
        assert organization.current_chair.needs_review == chair.needs_review


def test_planned_dates_are_judged_at_their_precision(seeded_engine: Engine) -> None:
    """A planned or scheduled meeting, and a reform area's expected completion, are flagged
    from the day after the last day their date covers, not before."""
    snapshot = build_snapshot(seeded_engine, COLLECTIONS)
    checked = 0
    for collection, field in (("meetings", "date"), ("reform-areas", "expected")):
        for item in snapshot.collections[collection].items:
            record = item.record
            value = getattr(record, field)
            expected = getattr(record, "status", None) in ("planned", "scheduled", "in-progress")
            if not value or not expected or record.status == "completed":
                continue
            end = last_day(getattr(record, "end_date", None) or value)
            assert end is not None
            for day, flagged in ((end, False), (end + dt.timedelta(days=1), True)):
                built = build_snapshot(seeded_engine, COLLECTIONS, today=lambda d=day: d)
                again = built.collections[collection].by_id[record.id.lower()].record
                rules = {(r.rule, r.field) for r in again.review_reasons}
                assert (("date-passed", field) in rules) == flagged, (record.id, day)
            checked += 1
    assert checked


def test_every_derivation_rests_on_premises_that_exist(client: TestClient) -> None:
    sources = {s["id"] for s in _all(client, "/v1/sources")}
    records = [(c, r) for c in FACT_COLLECTIONS for r in _every(client, c)]
    records.append(("organization", client.get("/v1/organization").json()))
    seen = 0
    for collection, record in records:
        nested = [a for a in record.get("priority_areas", [])]
        for holder in (record, *nested):
            for derivation in holder["derivations"]:
                assert derivation["rule"] and derivation["fields"] and derivation["premises"]
                for premise in derivation["premises"]:
                    seen += 1
                    if premise["source_id"] is not None:
                        assert premise["source_id"] in sources, (collection, record["id"])
                        assert premise["quote"]
                        continue
                    path = f"/v1/{premise['collection']}/{premise['record_id']}"
                    target = client.get(path)
                    assert target.status_code == 200, (collection, record["id"], path)
                    if premise["field"]:
                        assert premise["field"] in target.json(), (path, premise["field"])
    assert seen


def test_counts_are_derived_from_the_lists_they_name(client: TestClient) -> None:
    """Each count of `/v1/organization` carries a derivation whose premises are exactly the
    records the corresponding list answers."""
    body = client.get("/v1/organization").json()
    derivations = {tuple(d["fields"]): d for d in body["derivations"] if d["computed"]}
    lists = {
        "counts.members": "/v1/members",
        "counts.observers.states": "/v1/observers?status=observer&type=state",
        "counts.observers.organizations": "/v1/observers?status=observer&type=organization",
        "counts.applicants": "/v1/observers?status=applicant",
        "counts.partner_organizations.active": "/v1/partner-organizations?status=active",
        "counts.partner_organizations.in_preparation": (
            "/v1/partner-organizations?status=in-preparation"
        ),
        "counts.partner_organizations.ended": "/v1/partner-organizations?status=ended",
        "counts.officials_in_office": "/v1/officials?current=true",
        **{f"counts.councils.{s}": f"/v1/councils?status={s}" for s in body["counts"]["councils"]},
        **{f"counts.meetings.{s}": f"/v1/meetings?status={s}" for s in body["counts"]["meetings"]},
    }
    for field, url in lists.items():
        derivation = derivations[(field,)]
        premised = {p["record_id"] for p in derivation["premises"]}
        assert premised == {r["id"] for r in _all(client, url)}, field
        value: Any = body
        for part in field.split("."):
            value = value[part]
        assert value == len(premised), field
    areas = derivations[("counts.cbm_priority_areas",)]
    dimensions = {p["record_id"] for p in areas["premises"]}
    counted = [
        a
        for d in _all(client, "/v1/cbm-dimensions")
        if d["id"] in dimensions
        for a in d["priority_areas"]
        if a["part_of"] is None
    ]
    assert body["counts"]["cbm_priority_areas"] == len(counted)


@pytest.mark.parametrize(
    "collection",
    ["members", "observers", "partner-organizations", "councils", "meetings", "reform-areas"],
)
def test_every_status_a_record_can_hold_is_a_filter_value(
    client: TestClient, collection: str
) -> None:
    """The `status` filter accepts every value the OpenAPI document names for it, each
    answers exactly the records holding it, and together they list every record."""
    parameters = client.get("/openapi.json").json()["paths"][f"/v1/{collection}"]["get"]
    schema = next(p for p in parameters["parameters"] if p["name"] == "status")["schema"]
    values = next(s["enum"] for s in schema.get("anyOf", [schema]) if "enum" in s)
    seen: set[str] = set()
    for value in values:
        listed = _all(client, f"/v1/{collection}?status={value}")
        assert all(r["status"] == value for r in listed), value
        seen |= {f"{r['id']}:{value}" for r in listed}
    every = {f"{r['id']}:{r['status']}" for r in _every(client, collection)}
    assert every <= seen
    assert {r.split(":")[1] for r in every} <= set(values)


def test_ended_partnerships_are_listed_by_their_days(client: TestClient) -> None:
    """`as_of` works on partners: an ended partnership is listed as it stood on each day
    (with its status then), and from its end on only when `status=ended` asks for it."""
    ended = _all(client, "/v1/partner-organizations?status=ended")
    assert ended
    today = dt.date.today()
    for partner in ended:
        until = dt.date.fromisoformat(partner["until"])
        assert until <= today, partner["id"]
        assert partner["id"] not in {p["id"] for p in _all(client, "/v1/partner-organizations")}
        before = (until - dt.timedelta(days=1)).isoformat()
        on_the_eve = {p["id"]: p for p in _all(client, f"/v1/partner-organizations?as_of={before}")}
        if partner["since"] or partner["attested_from"]:
            assert on_the_eve[partner["id"]]["status"] != "ended"
        after = _all(client, f"/v1/partner-organizations?as_of={until}&status=ended")
        assert partner["id"] in {p["id"] for p in after}
        assert {"status", "until"} <= footnoted(partner)
    for partner in _all(client, "/v1/partner-organizations"):
        assert partner["until"] is None, partner["id"]


def test_every_completed_reform_area_rests_on_a_source_after_the_roadmap(
    client: TestClient,
) -> None:
    """The Roadmap was adopted at a meeting; an area is completed only on a quote, dated
    after that meeting, that supports its status (not on an earlier step renamed)."""
    dates = _dates(client)
    conflict = client.get("/v1/conflicts/roadmap-approval-date").json()
    adopted = next(c["value"] for c in conflict["claims"] if c["current"])
    for area in _all(client, "/v1/reform-areas?status=completed"):
        later = [
            c
            for c in area["sources"]
            if "status" in c["supports"] and (dates.get(c["source_id"]) or "") > adopted
        ]
        assert later, area["id"]


def test_an_attested_end_is_not_before_any_source_the_record_cites(client: TestClient) -> None:
    """Where no source gives the end of a term, `attested_until` is the latest day a source
    attests the person in the post: no dated source the record cites is later."""
    dates = _dates(client)
    for official in _all(client, "/v1/officials"):
        if not official["attested_until"]:
            continue
        end = last_day(official["attested_until"])
        assert end is not None
        for citation in official["sources"]:
            start = first_day(dates.get(citation["source_id"]))
            assert start is None or start <= end, (official["id"], citation["source_id"])
        assert "attested_until" in footnoted(official), official["id"]


def test_freshness_of_the_dataset_is_stated_beside_its_last_review(client: TestClient) -> None:
    dates = [s["date"] for s in _all(client, "/v1/sources") if s["date"]]
    newest = max(dates, key=lambda d: (last_day(d), len(d)))
    meta = client.get("/v1/members").json()["meta"]
    assert meta["sources_until"] == newest
    assert client.get("/v1/organization").json()["sources_until"] == newest
    dataset = json.loads(client.get("/v1/exports/dataset.json").content)
    assert dataset["sources_until"] == newest
    assert client.get("/v1/exports").json()["meta"]["sources_until"] == newest
    assert dataset["data_as_of"] == meta["data_as_of"] >= newest


def test_files_carry_the_freshness_columns_and_every_record(client: TestClient) -> None:
    rows = list(csv.DictReader(io.StringIO(client.get("/v1/observers?format=csv&limit=200").text)))
    assert {"last_attested", "needs_review", "review_reasons", "derivations"} <= rows[0].keys()
    line = client.get("/v1/partner-organizations?format=ndjson&limit=1").text.splitlines()[0]
    assert {"last_attested", "needs_review", "review_reasons", "derivations"} <= json.loads(
        line
    ).keys()
    exported = {
        json.loads(x)["id"] for x in client.get("/v1/exports/observers.ndjson").text.splitlines()
    }
    assert exported == {r["id"] for r in _every(client, "observers")}
