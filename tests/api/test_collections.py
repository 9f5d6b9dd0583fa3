"""What every list and detail route does the same way (conventions), for each collection."""

import pytest
from fastapi.testclient import TestClient

from app.registry import COLLECTIONS as REGISTRY
from seed import SEED_DIR
from tests.api.helpers import assert_problem, walk_pages

# Every registered collection, with its documented example id.
COLLECTIONS = {f"/v1/{spec.name}": spec.docs.id_example for spec in REGISTRY if not spec.single}
UNCITED = {"/v1/sources", "/v1/conflicts", "/v1/changes"}
"""A source is the evidence; a conflict cites per claim; a change is about a record."""


def _total(client: TestClient, path: str) -> int:
    total: int = client.get(f"{path}?limit=1").json()["meta"]["total"]
    assert total >= 1, f"{path} serves no record"
    return total


@pytest.mark.parametrize("path", COLLECTIONS)
def test_next_links_walk_every_record_once(client: TestClient, path: str) -> None:
    """Pages of 3 (of 1 for a collection of up to 3 records, so there are pages to walk)."""
    limit = 3 if _total(client, path) > 3 else 1
    records, total = walk_pages(client, f"{path}?limit={limit}")
    assert len(records) == total
    assert len({r["id"] for r in records}) == total


@pytest.mark.parametrize("path", COLLECTIONS)
def test_envelope_and_links_keep_query(client: TestClient, path: str) -> None:
    total = _total(client, path)
    body = client.get(f"{path}?limit=1&offset=1&sort=-id").json()
    assert set(body) == {"data", "meta", "links"}
    assert body["meta"]["limit"] == 1 and body["meta"]["offset"] == 1
    assert body["meta"]["dataset_version"] >= 1
    assert "sort=-id" in body["links"]["prev"] and "offset=0" in body["links"]["prev"]
    if total > 2:
        assert "sort=-id" in body["links"]["next"] and "offset=2" in body["links"]["next"]
    else:
        assert "next" not in body["links"]
    ids = [r["id"] for r in client.get(f"{path}?limit=200&sort=-id").json()["data"]]
    assert ids == sorted(ids, reverse=True)
    assert [r["id"] for r in body["data"]] == ids[1:2]


@pytest.mark.parametrize("path", COLLECTIONS)
def test_last_page_has_no_next_first_has_no_prev(client: TestClient, path: str) -> None:
    first = client.get(f"{path}?limit=200").json()
    assert "prev" not in first["links"]
    total = first["meta"]["total"]
    assert ("next" in first["links"]) == (total > 200)
    last = client.get(f"{path}?limit=200&offset={total - 1}").json()
    assert "next" not in last["links"] and len(last["data"]) == 1


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
    assert str(response.json()["id"]) == record_id


@pytest.mark.parametrize("path", COLLECTIONS)
def test_unknown_id_is_404_problem(client: TestClient, path: str) -> None:
    response = client.get(f"{path}/no-such-thing")
    body = assert_problem(response, 404)
    request_id = response.headers["x-request-id"]
    assert body["instance"] == f"{path}/no-such-thing#request={request_id}"


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


def test_the_registry_drives_routes_tags_and_seed(client: TestClient) -> None:
    """Each registered collection has its list and detail operations and tag, and each with
    a data file is read by the seed and stored by the write step, every table it writes
    filled."""
    from sqlalchemy import func, select

    from app.writes.rows import sql_table
    from seed.reader import read_dataset

    document = client.get("/openapi.json").json()
    tags = {tag["name"] for tag in document["tags"]}
    dataset = read_dataset(SEED_DIR)
    engine = client.app.state.engine  # type: ignore[attr-defined]
    for spec in REGISTRY:
        assert f"/v1/{spec.name}" in document["paths"], spec.name
        detail = f"/v1/{spec.name}/{{{spec.docs.id_name}}}"
        assert (detail in document["paths"]) != spec.single, spec.name
        assert spec.docs.tag in tags
        if spec.storage is not None:
            assert dataset.records[spec.name], spec.name
            with engine.connect() as connection:
                for table in spec.storage.tables:
                    count = select(func.count()).select_from(sql_table(table.model))
                    assert connection.execute(count).scalar_one() > 0, table.name
