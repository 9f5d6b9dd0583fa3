"""CSV, NDJSON, languages and sparse fieldsets."""

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from app.registry import COLLECTIONS
from tests.api.helpers import assert_problem
from tests.support import data

LISTS = [spec.name for spec in COLLECTIONS if not spec.single]


@pytest.mark.parametrize("collection", LISTS)
def test_csv_has_a_header_and_total_rows(client: TestClient, collection: str) -> None:
    response = client.get(f"/v1/{collection}?format=csv&limit=200")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    total = client.get(f"/v1/{collection}?limit=1").json()["meta"]["total"]
    assert len(rows) == min(total, 200) and total == int(response.headers["x-total-count"])
    assert rows[0]["id"]


@pytest.mark.parametrize("collection", LISTS)
def test_ndjson_has_total_lines_of_json(client: TestClient, collection: str) -> None:
    response = client.get(f"/v1/{collection}?limit=200", headers={"Accept": "application/x-ndjson"})
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = response.content.decode("utf-8").splitlines()
    total = client.get(f"/v1/{collection}?limit=1").json()["meta"]["total"]
    assert len(lines) == min(total, 200)
    assert [json.loads(line)["id"] for line in lines] == [
        r["id"] for r in client.get(f"/v1/{collection}?limit=200").json()["data"]
    ]


def test_csv_flattens_nested_values_predictably(client: TestClient) -> None:
    text = client.get("/v1/members?limit=200", headers={"Accept": "text/csv"}).text
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["KZ"]["names.ru"] == "Казахстан"
    chairs = {m: [c["id"] for c in _chairs(client) if c["state"] == m] for m in rows}
    for member_id, row in rows.items():
        assert row["chairmanships"] == "|".join(chairs[member_id]), member_id
        history = json.loads(row["history"])
        periods = data.record("members", member_id).history
        assert [p["status"] for p in history] == [p.status for p in periods], member_id


def _chairs(client: TestClient) -> list[dict[str, str]]:
    return list(client.get("/v1/chairmanships?limit=200").json()["data"])


def test_csv_pages_carry_link_headers(client: TestClient) -> None:
    response = client.get("/v1/members?format=csv&limit=10")
    assert 'rel="next"' in response.headers["link"] and "offset=10" in response.headers["link"]


def test_accept_negotiation(client: TestClient) -> None:
    assert (
        client.get("/v1/members", headers={"Accept": "text/html,*/*;q=0.1"}).headers["content-type"]
        == "application/json"
    )
    preferred = client.get("/v1/members", headers={"Accept": "application/json;q=0.5, text/csv"})
    assert preferred.headers["content-type"].startswith("text/csv")
    assert_problem(client.get("/v1/members", headers={"Accept": "image/png"}), 406)
    assert_problem(client.get("/v1/members/KZ", headers={"Accept": "text/csv"}), 406)
    assert_problem(client.get("/v1/members?format=xml"), 422)


def test_language_by_parameter_or_header_with_english_fallback(client: TestClient) -> None:
    russian = client.get("/v1/members/KZ?lang=ru")
    assert russian.json()["name"] == "Казахстан" and russian.headers["content-language"] == "ru"
    by_header = client.get("/v1/members/KZ", headers={"Accept-Language": "fr-FR, ru;q=0.8"})
    assert by_header.json()["name"] == "Казахстан"
    fallback = client.get("/v1/members/KZ", headers={"Accept-Language": "fr"})
    assert fallback.json()["name"] == "Kazakhstan" and fallback.headers["content-language"] == "en"
    english_only = next(c for c in data.records("councils") if "ru" not in c.names)
    council = client.get(f"/v1/councils/{english_only.id}?lang=ru").json()
    assert council["name"] == council["names"]["en"], "no Russian name stored: English"
    assert "ru" not in council["names"]
    named = next(c for c in data.records("councils") if "ru" in c.names)
    russian = client.get(f"/v1/councils/{named.id}?lang=ru").json()
    assert russian["name"] == russian["names"]["ru"] == named.names["ru"]


def test_sparse_fieldsets(client: TestClient) -> None:
    body = client.get("/v1/members?fields=id,name&limit=2").json()
    assert [set(r) for r in body["data"]] == [{"id", "name"}, {"id", "name"}]
    joined = data.joined(data.record("members", "KZ"))
    assert client.get("/v1/members/KZ?fields=joined").json() == {"id": "KZ", "joined": joined}
    first_line = client.get("/v1/members?fields=id,joined&format=ndjson").text.splitlines()[0]
    assert set(json.loads(first_line)) == {"id", "joined"}
    body = assert_problem(client.get("/v1/members?fields=id,shoe_size"), 400)
    assert body["errors"][0]["field"] == "query.fields"
    assert_problem(client.get("/v1/members/KZ?fields=nope"), 400)
    assert_problem(client.get("/v1/members/KZ?colour=red"), 400)


def test_csv_columns_come_from_the_schema_not_the_first_record(client: TestClient) -> None:
    """Organizations have English names only: the `names.ru` column is still there."""
    header = client.get("/v1/partner-organizations?format=csv").text.splitlines()[0].split(",")
    assert {"id", "names.en", "names.ru", "acronym", "sources", "updated_at"} <= set(header)
    sparse = client.get("/v1/members?format=csv&fields=names").text.splitlines()[0]
    assert sparse == "id,names.en,names.ru"
