"""Data quality of the curated dataset, checked on the loaded database through the API."""

import datetime as dt

import pycountry
from fastapi.testclient import TestClient

from seed import SEED_DIR
from seed.reader import read_dataset
from tests.api.helpers import walk_pages

SEED_DOCUMENTS = {
    "baku-dialogues-optimizing-chairmanship",
    "baku-dialogues-membership-privileges",
    "caliber-2025-09-10",
    "report-az-2025-01-28",
    "astana-times-2024-12",
}
COLLECTIONS = ["members", "observers", "partner-organizations", "councils", "reform-areas"]


def _all(client: TestClient, collection: str) -> list[dict]:
    records, _ = walk_pages(client, f"/v1/{collection}?limit=200")
    return records


def test_exactly_28_members_with_valid_iso_codes(client: TestClient) -> None:
    members = _all(client, "members")
    assert len(members) == 28
    for member in members:
        country = pycountry.countries.get(alpha_2=member["id"])
        assert country is not None and country.alpha_3 == member["iso_alpha3"]


def test_no_state_is_member_and_observer_on_the_same_day(client: TestClient) -> None:
    for day in ("2004-10-22", "2010-06-15", "2014-05-20", "2018-08-15", "2022-10-13", None):
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
    assert cited >= SEED_DOCUMENTS, "each of the five documents is cited at least once"


def test_public_sources_have_url_and_title(client: TestClient) -> None:
    for source in _all(client, "sources"):
        assert source["title"]
        if source["kind"] != "seed-document":
            assert source["url"] and source["url"].startswith(("http://", "https://"))


def test_member_dates_are_supported_by_a_citation(client: TestClient) -> None:
    for member in _all(client, "members"):
        supported = {field for c in member["sources"] for field in c["supports"]}
        assert "joined" in supported, member["id"]


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
    "members": ["status", "joined"],
    "observers": ["status", "since"],
    "partner-organizations": ["status", "relationship", "since"],
    "councils": ["status", "established", "proposed", "established_at", "proposed_at", "seat"],
    "reform-areas": ["status", "progress"],
    "chairmanships": ["term_start", "term_end"],
    "meetings": ["date", "end_date", "place"],
}


def test_every_status_and_date_is_footnoted(client: TestClient) -> None:
    missing = []
    for collection, fields in FOOTNOTED_FIELDS.items():
        for record in _all(client, collection):
            supported = {name for c in record["sources"] for name in c["supports"]}
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
            supported = {name for c in area["sources"] for name in c["supports"]}
            missing += [
                f"{area['id']}.{name}"
                for name in ("coordinators", "co_coordinators", "added")
                if area[name] and name not in supported
            ]
    assert missing == []


def test_history_with_several_periods_is_footnoted(client: TestClient) -> None:
    for member in _all(client, "members"):
        if len(member["history"]) > 1:
            supported = {name for c in member["sources"] for name in c["supports"]}
            assert "history" in supported, member["id"]


def test_each_public_source_is_listed_once() -> None:
    urls = [s.url for s in read_dataset(SEED_DIR).sources if s.url]
    assert len(urls) == len(set(urls))
