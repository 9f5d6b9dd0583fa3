"""What every list and detail route does the same way (conventions), for each collection."""

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import assert_problem, walk_pages

COLLECTIONS = {
    "/v1/members": "KZ",
    "/v1/observers": "JP",
    "/v1/partner-organizations": "sco",
    "/v1/councils": "youth-council",
    "/v1/reform-areas": "charter",
    "/v1/chairmanships": "kazakhstan-2020",
    "/v1/meetings": "summit-6",
    "/v1/cbm-dimensions": "economic",
    "/v1/conflicts": "roadmap-approval-date",
    "/v1/sources": "astana-times-2024-12",
}
UNCITED = {"/v1/sources", "/v1/conflicts"}  # a source is the evidence; a conflict cites per claim


@pytest.mark.parametrize("path", COLLECTIONS)
def test_next_links_walk_every_record_once(client: TestClient, path: str) -> None:
    records, total = walk_pages(client, f"{path}?limit=3")
    assert total > 3
    assert len(records) == total
    assert len({r["id"] for r in records}) == total


@pytest.mark.parametrize("path", COLLECTIONS)
def test_envelope_and_links_keep_query(client: TestClient, path: str) -> None:
    body = client.get(f"{path}?limit=2&offset=2&sort=-id").json()
    assert set(body) == {"data", "meta", "links"}
    assert body["meta"]["limit"] == 2 and body["meta"]["offset"] == 2
    assert body["meta"]["dataset_version"] >= 1
    assert "sort=-id" in body["links"]["next"] and "sort=-id" in body["links"]["prev"]
    assert "offset=0" in body["links"]["prev"]
    ids = [r["id"] for r in body["data"]]
    assert ids == sorted(ids, reverse=True)


@pytest.mark.parametrize("path", COLLECTIONS)
def test_last_page_has_no_next_first_has_no_prev(client: TestClient, path: str) -> None:
    first = client.get(f"{path}?limit=200").json()
    assert "next" not in first["links"] and "prev" not in first["links"]


@pytest.mark.parametrize("path", COLLECTIONS)
def test_every_record_is_cited_and_stamped(client: TestClient, path: str) -> None:
    response = client.get(f"{path}?limit=200")
    assert response.headers["x-dataset-version"] == str(response.json()["meta"]["dataset_version"])
    for record in response.json()["data"]:
        assert "updated_at" in record
        if path not in UNCITED:
            assert record["sources"], record["id"]
            for citation in record["sources"]:
                assert client.get(f"/v1/sources/{citation['source_id']}").status_code == 200


@pytest.mark.parametrize(("path", "record_id"), COLLECTIONS.items())
def test_detail_returns_the_object_itself(client: TestClient, path: str, record_id: str) -> None:
    response = client.get(f"{path}/{record_id}")
    assert response.status_code == 200
    assert response.json()["id"] == record_id


@pytest.mark.parametrize("path", COLLECTIONS)
def test_unknown_id_is_404_problem(client: TestClient, path: str) -> None:
    body = assert_problem(client.get(f"{path}/no-such-thing"), 404)
    assert body["instance"] == f"{path}/no-such-thing"


@pytest.mark.parametrize("path", COLLECTIONS)
def test_unknown_parameter_is_400(client: TestClient, path: str) -> None:
    body = assert_problem(client.get(f"{path}?colour=red"), 400)
    assert body["errors"] == [{"field": "query.colour", "message": "unknown parameter"}]


@pytest.mark.parametrize("path", COLLECTIONS)
def test_unknown_sort_field_is_400(client: TestClient, path: str) -> None:
    assert_problem(client.get(f"{path}?sort=shoe_size"), 400)


@pytest.mark.parametrize("path", COLLECTIONS)
@pytest.mark.parametrize("query", ["limit=0", "limit=201", "offset=-1", "limit=ten"])
def test_paging_out_of_range_is_422(client: TestClient, path: str, query: str) -> None:
    body = assert_problem(client.get(f"{path}?{query}"), 422)
    assert body["errors"][0]["field"].startswith("query.")
