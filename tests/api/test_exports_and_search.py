"""`/v1/exports` and `/v1/search`."""

import csv
import hashlib
import io
import json

from fastapi.testclient import TestClient

from app.registry import COLLECTIONS
from tests.api.helpers import assert_problem
from tests.support import data


def test_every_export_matches_its_sha256(client: TestClient) -> None:
    listing = client.get("/v1/exports").json()
    files = listing["data"]
    exported = [spec for spec in COLLECTIONS if spec.paged is None]  # the feed is followed
    assert listing["meta"]["total"] == len(files) == len(exported) * 3 + 1
    for file in files:
        response = client.get(file["url"])
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == file["sha256"], file["name"]
        assert len(response.content) == file["bytes"]
        assert file["dataset_version"] == int(response.headers["x-dataset-version"])
        assert response.headers["etag"]


def test_exports_hold_whole_collections(client: TestClient) -> None:
    members_csv = client.get("/v1/exports/members.csv").text
    members = data.members_on()
    assert {row["id"] for row in csv.DictReader(io.StringIO(members_csv))} == members
    sources = client.get("/v1/exports/sources.ndjson").text.splitlines()
    assert len(sources) == client.get("/v1/sources?limit=1").json()["meta"]["total"]
    dataset = json.loads(client.get("/v1/exports/dataset.json").content)
    assert {m["id"] for m in dataset["collections"]["members"]} == members
    assert_problem(client.get("/v1/exports/members.xlsx"), 404)


def test_search_finds_a_state_by_its_russian_name(client: TestClient) -> None:
    hits = client.get("/v1/search?q=Казахстан").json()["data"]
    assert (hits[0]["collection"], hits[0]["id"]) == ("members", "KZ")
    assert hits[0]["url"].endswith("/v1/members/KZ")


def test_search_finds_an_organization_by_acronym_first(client: TestClient) -> None:
    partner = next(p for p in data.records("partner-organizations") if p.acronym)
    hits = client.get(f"/v1/search?q={partner.acronym}").json()["data"]
    assert (hits[0]["id"], hits[0]["score"]) == (partner.id, 100)
    assert ("partner-organizations", partner.id) in {(h["collection"], h["id"]) for h in hits}
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_search_is_accent_and_case_insensitive_and_filterable(client: TestClient) -> None:
    assert client.get("/v1/search?q=TURKIYE").json()["data"][0]["id"] == "TR"
    only_councils = client.get("/v1/search?q=council&collections=councils&limit=200").json()["data"]
    assert only_councils and {h["collection"] for h in only_councils} == {"councils"}
    assert client.get("/v1/search?q=Kazakhstan&lang=ru").json()["data"][0]["name"] == "Казахстан"
    assert_problem(client.get("/v1/search?q=x&collections=planets"), 400)
    assert_problem(client.get("/v1/search"), 422)
