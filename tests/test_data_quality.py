"""Data quality of the curated dataset, checked on the loaded database through the API."""

import datetime as dt

import pycountry
from fastapi.testclient import TestClient

from app.models.base import first_day
from seed import SEED_DIR
from seed.reader import read_dataset
from tests.api.helpers import footnoted, walk_pages
from tests.support import data

COLLECTIONS = ["members", "observers", "partner-organizations", "councils", "reform-areas"]


def _all(client: TestClient, collection: str) -> list[dict]:
    joiner = "&" if "?" in collection else "?"
    records, _ = walk_pages(client, f"/v1/{collection}{joiner}limit=200")
    return records


FORMER_STATUSES = {
    "members": ("former-member",),
    "observers": ("former-observer", "former-applicant"),
    "partner-organizations": ("ended",),
}
"""Statuses a default list leaves out: listed only when asked for."""


def _every(client: TestClient, collection: str) -> list[dict]:
    """Every record of a collection: the default list and those with a former status."""
    records = _all(client, collection)
    for status in FORMER_STATUSES.get(collection, ()):
        records += _all(client, f"{collection}?status={status}")
    return records


def test_the_current_members_with_valid_iso_codes(client: TestClient) -> None:
    members = _all(client, "members")
    assert {m["id"] for m in members} == data.members_on()
    for member in members:
        country = pycountry.countries.get(alpha_2=member["id"])
        assert country is not None and country.alpha_3 == member["iso_alpha3"]


def test_no_state_is_member_and_observer_on_the_same_day(client: TestClient) -> None:
    """On every day a status begins or ends, the day before, and today."""
    days = [d.isoformat() for d in data.boundary_days()] + [dt.date.today().isoformat()]
    for day in (*days, None):
        query = f"&as_of={day}" if day else ""
        members = {m["id"] for m in client.get(f"/v1/members?limit=200{query}").json()["data"]}
        observers = {o["id"] for o in client.get(f"/v1/observers?limit=200{query}").json()["data"]}
        assert not members & observers, day


def test_every_record_cites_a_source_that_resolves(client: TestClient) -> None:
    source_ids = {s["id"] for s in _all(client, "sources")}
    cited: set[str] = set()
    for collection in COLLECTIONS:
        for record in _all(client, collection):
            assert record["sources"], f"{collection}/{record['id']}"
            cited |= {c["source_id"] for c in record["sources"]}
    assert cited <= source_ids
    assert cited >= data.seed_documents(), "each source document is cited at least once"


def test_public_sources_have_url_and_title(client: TestClient) -> None:
    for source in _all(client, "sources"):
        assert source["title"]
        if source["kind"] != "seed-document":
            assert source["url"] and source["url"].startswith(("http://", "https://"))


def test_member_dates_are_supported_by_a_citation(client: TestClient) -> None:
    """A citation, or a derivation with its premises, backs every member's date."""
    for member in _all(client, "members"):
        supported = footnoted(member)
        date_field = "joined" if member["joined"] else "joined_attested_from"
        assert member[date_field], member["id"]
        assert date_field in supported, member["id"]


def test_dates_are_valid_at_their_precision() -> None:
    dataset = read_dataset(SEED_DIR)
    for resource, records in dataset.records.items():
        for record in records:
            for name in ("since", "established", "proposed"):
                value = getattr(record, name, None)
                if value:
                    parts = [int(p) for p in value.split("-")]
                    dt.date(*(parts + [1] * (3 - len(parts))))
            for period in getattr(record, "history", []):
                for value in (period.since, period.until):
                    if value:
                        parts = [int(p) for p in value.split("-")]
                        assert dt.date(*(parts + [1] * (3 - len(parts)))) <= dt.date.today(), (
                            resource
                        )


# Status and date fields each record must back with a citation naming them (when set).
FOOTNOTED_FIELDS = {
    "members": ["status", "joined", "joined_attested_from", "founding_member"],
    "observers": ["status", "since", "attested_from"],
    "partner-organizations": ["status", "relationship", "since", "attested_from", "until"],
    "councils": ["status", "established", "proposed", "established_at", "proposed_at", "seat"],
    "reform-areas": ["status", "progress", "expected"],
    "chairmanships": ["term_start", "term_end", "motto"],
    "meetings": ["date", "end_date", "place", "outcomes"],
    "officials": [
        "post",
        "names",
        "aliases",
        "nationality",
        "term_start",
        "term_end",
        "attested_from",
        "attested_until",
        "appointed_at",
    ],
}


def test_every_status_and_date_is_footnoted(client: TestClient) -> None:
    missing = []
    member_ids = {m["id"] for m in _every(client, "members")}
    for collection, fields in FOOTNOTED_FIELDS.items():
        for record in _every(client, collection):
            supported = footnoted(record)
            if collection == "observers" and record["id"] in member_ids:
                # A member's observer years are its `history` in members.toml.
                supported |= {"since", "attested_from"} if "history" in supported else set()
            missing += [
                f"{collection}/{record['id']}.{name}"
                for name in fields
                if record.get(name) not in (None, [], "") and name not in supported
            ]
    assert missing == []


def test_cbm_coordinators_and_dates_are_footnoted(client: TestClient) -> None:
    missing = []
    for dimension in _all(client, "cbm-dimensions"):
        for area in dimension["priority_areas"]:
            supported = footnoted(area)
            missing += [
                f"{area['id']}.{name}"
                for name in (
                    "coordinators",
                    "co_coordinators",
                    "added",
                    "part_of",
                    "coordinators_since",
                    "coordinators_until",
                )
                if area[name] and name not in supported
            ]
    assert missing == []


def test_history_with_several_periods_is_footnoted(client: TestClient) -> None:
    for member in _all(client, "members"):
        if len(member["history"]) > 1:
            assert "history" in footnoted(member), member["id"]


def test_each_public_source_is_listed_once() -> None:
    urls = [s.url for s in read_dataset(SEED_DIR).sources if s.url]
    assert len(urls) == len(set(urls))


ORGANIZATION_FOOTNOTED = [
    "names",
    "acronym",
    "aliases",
    "founded",
    "initiative",
    "founding_documents",
    "seat_history",
    "seat",
    "membership_criterion",
    "charter_status",
]


def test_the_organization_record_is_footnoted(client: TestClient) -> None:
    record = client.get("/v1/organization").json()
    supported = {name for c in record["sources"] for name in c["supports"]}
    assert [f for f in ORGANIZATION_FOOTNOTED if record[f] and f not in supported] == []


def test_russian_names_are_footnoted(client: TestClient) -> None:
    """A Russian name of an organization or body is never typed from memory."""
    missing = []
    for collection in ("councils", "partner-organizations", "observers", "officials"):
        for record in _all(client, collection):
            if "ru" in record["names"] and record.get("type") != "state":
                supported = {name for c in record["sources"] for name in c["supports"]}
                if "names" not in supported:
                    missing.append(f"{collection}/{record['id']}")
    assert missing == []


def _last_day(value: str) -> dt.date:
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        return dt.date(*parts)
    if len(parts) == 2:
        year, month = parts
        return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return dt.date(parts[0], 12, 31)


def test_nothing_planned_or_current_in_the_past_goes_unflagged(client: TestClient) -> None:
    """A meeting whose date has passed at its precision (a year once it is over) is never
    left `planned`: it is `scheduled` with an outcome, and flagged for review; a chair
    still `current` after its expected end is flagged; and neither was last reviewed
    before that date. Judged on the day the API built its answer (today)."""
    today = dt.date.today()
    stale = []
    for meeting in _all(client, "meetings"):
        if meeting["status"] in ("planned", "scheduled") and _last_day(meeting["date"]) < today:
            rules = {r["rule"] for r in meeting["review_reasons"]}
            if meeting["status"] == "planned" or meeting["outcome"] is None:
                stale.append(f"meetings/{meeting['id']} (still {meeting['status']})")
            if not meeting["needs_review"] or "date-passed" not in rules:
                stale.append(f"meetings/{meeting['id']} (not flagged)")
            if dt.date.fromisoformat(meeting["reviewed"]) <= _last_day(meeting["date"]):
                stale.append(f"meetings/{meeting['id']} (not reviewed since)")
    for chair in _all(client, "chairmanships"):
        ended = chair["term_end"] and _last_day(chair["term_end"]) < today
        if chair["current"] and ended:
            rules = {r["rule"] for r in chair["review_reasons"]}
            if "expected-end-passed" not in rules:
                stale.append(f"chairmanships/{chair['id']} (not flagged)")
    for official in _all(client, "officials"):
        last_seen = official["attested_until"]
        if official["current"] and last_seen and official["reviewed"] <= last_seen:
            stale.append(f"officials/{official['id']}")
    assert stale == []


def test_every_current_status_is_answered_by_as_of_today(client: TestClient) -> None:
    today = dt.date.today().isoformat()
    for collection in ("members", "observers"):
        now = {r["id"] for r in _all(client, collection)}
        on_the_day = {r["id"] for r in _all(client, f"{collection}?as_of={today}")}
        assert now == on_the_day, collection


def test_the_cbm_count_conflict_agrees_with_the_areas_listed(client: TestClient) -> None:
    """The count is of priority areas: a topic incorporated into another area is listed
    (`part_of`) but not counted."""
    conflict = client.get("/v1/conflicts/cbm-priority-areas-count").json()
    current = next(c["value"] for c in conflict["claims"] if c["current"])
    areas = [a for d in _all(client, "cbm-dimensions") for a in d["priority_areas"]]
    counted = [a for a in areas if a["part_of"] is None]
    assert int(current) == len(counted)
    for topic in (a for a in areas if a["part_of"] is not None):
        assert topic["part_of"] in {a["id"] for a in counted}, topic["id"]


def test_records_show_the_current_claim_of_their_conflicts(client: TestClient) -> None:
    for conflict in _all(client, "conflicts"):
        if conflict["collection"] is None:
            continue
        path = f"/v1/{conflict['collection']}"
        if conflict["collection"] != "organization":  # the one record is at its own path
            path += f"/{conflict['record_id']}"
        record = client.get(path).json()
        value = record[conflict["field"]]
        if isinstance(value, dict):
            value = value["en"]
        current = next(c["value"] for c in conflict["claims"] if c["current"])
        assert value == current, conflict["id"]
        others = {c["value"] for c in conflict["claims"] if not c["current"]}
        shown = {d["value"] for d in record["disputed"] if d["conflict_id"] == conflict["id"]}
        assert shown == others, conflict["id"]


def test_an_observer_is_a_partner_only_on_a_cited_relationship(client: TestClient) -> None:
    """An organization observing CICA is not a partner on a loose sentence: its partner
    record cites the relationship itself."""
    observers = {o["id"] for o in _all(client, "observers?type=organization")}
    for partner in _all(client, "partner-organizations"):
        if partner["id"] in observers:
            supported = {name for c in partner["sources"] for name in c["supports"]}
            assert "relationship" in supported, partner["id"]


def _ids(client: TestClient, url: str) -> set[str]:
    return {r["id"] for r in _all(client, url)}


def _declaration_day() -> dt.date:
    """The day the first founding document (the 1999 Declaration) was signed."""
    organization = data.records("organization")[0]
    day = first_day(organization.founding_documents[0].date)
    assert day is not None
    return day


def test_members_in_1999_are_the_founding_signatories(client: TestClient) -> None:
    in_1999 = _ids(client, "members?as_of=1999-12-31")
    assert in_1999 == data.members_on(dt.date(1999, 12, 31))
    assert len(in_1999) <= 15  # fifteen states signed the Declaration (kazembus-cica)
    before = (_declaration_day() - dt.timedelta(days=1)).isoformat()
    assert _ids(client, f"members?as_of={before}") == set(), "no member before the Declaration"
    assert _ids(client, "members?founding=true") == in_1999, "a founding member signed in 1999"


def test_founding_members_are_as_many_as_the_signatories_and_footnoted(
    client: TestClient,
) -> None:
    """Founding members are the signatories of the 1999 Declaration: as many as the
    sources' current count, each footnoted by a quote or a derivation."""
    conflict = client.get("/v1/conflicts/founding-states").json()
    signatories = int(next(c["value"] for c in conflict["claims"] if c["current"]))
    founding = _ids(client, "members?founding=true")
    assert len(founding) == signatories
    for member_id in founding:
        record = client.get(f"/v1/members/{member_id}").json()
        assert {"founding_member", "joined"} <= footnoted(record), member_id


def test_members_at_the_first_summit_include_every_founder(client: TestClient) -> None:
    first_summit = min(
        (m for m in data.records("meetings") if m.kind == "summit"), key=lambda m: m.date
    )
    at_summit = _ids(client, f"members?as_of={first_summit.date}")
    assert at_summit == data.members_on(first_day(first_summit.date))
    assert at_summit >= _ids(client, "members?founding=true")


def test_observers_on_each_day_are_those_the_files_give(client: TestClient) -> None:
    for day in [*data.boundary_days(), dt.date.today()]:
        assert _ids(client, f"observers?as_of={day}") == data.observers_on(day), day
    today = dt.date.today().isoformat()
    for party_type in ("state", "organization"):
        listed = _ids(client, f"observers?as_of={today}&type={party_type}&status=observer")
        assert listed == data.observers_on(dt.date.today(), type=party_type, status="observer")


def test_former_observers_are_listed_on_their_days_only(client: TestClient) -> None:
    current = _ids(client, "observers")
    for party_id, _, history in data.parties():
        observed = [p for p in history if p.status in ("observer", "applicant")]
        if not observed or (observed[-1].until is None and observed[-1].attested_until is None):
            continue
        assert party_id not in current, party_id
        record = client.get(f"/v1/observers/{party_id}").json()
        assert record["status"].startswith("former-"), party_id
        assert party_id in _ids(client, f"observers?status={record['status']}"), party_id
        start = first_day(observed[-1].start)
        if start is not None:
            assert party_id in _ids(client, f"observers?as_of={start}"), party_id


def test_a_date_a_quote_supports_is_in_the_quote_or_its_source(client: TestClient) -> None:
    """A citation backs a date only if its quote states one or its source is dated; a date
    worked out from an undated page is a derivation, with its premises."""
    dated = {s["id"] for s in _all(client, "sources") if s["date"]}
    unbacked = []
    collections = [*COLLECTIONS, "chairmanships", "meetings", "officials", "cbm-dimensions"]
    for collection in collections:
        for record in _every(client, collection):
            holders = [record, *record.get("priority_areas", [])]
            for holder in holders:
                for citation in holder["sources"]:
                    dates = data.DATE_FIELDS.intersection(citation["supports"])
                    states_one = any(ch.isdigit() for ch in citation["quote"])
                    if dates and not states_one and citation["source_id"] not in dated:
                        unbacked.append(f"{collection}/{holder['id']} {citation['source_id']}")
    assert unbacked == [], unbacked
