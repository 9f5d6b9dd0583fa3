"""`/v1/sources`, against sources.toml."""

from fastapi.testclient import TestClient

from tests.api.helpers import ids, walk_pages
from tests.support import data


def test_the_source_documents_with_their_hashes(client: TestClient) -> None:
    documents = client.get("/v1/sources?kind=seed-document&limit=200").json()["data"]
    assert {d["id"] for d in documents} == data.seed_documents()
    manifest = {s.id: s.sha256 for s in data.dataset().sources}
    assert all(d["sha256"] == manifest[d["id"]] and d["citations"] > 0 for d in documents)
    assert all(len(d["sha256"]) == 64 for d in documents)


def test_every_source_of_the_file_is_listed(client: TestClient) -> None:
    listed, total = walk_pages(client, "/v1/sources?limit=200")
    assert total == len(data.dataset().sources)
    assert {s["id"] for s in listed} == {s.id for s in data.dataset().sources}


def test_public_sources_have_urls(client: TestClient) -> None:
    for source in walk_pages(client, "/v1/sources?limit=200")[0]:
        if source["kind"] != "seed-document":
            assert source["url"].startswith("http"), source["id"]


def test_sort_by_date(client: TestClient) -> None:
    assert ids(client, "/v1/sources?sort=-date&limit=1") != ids(
        client, "/v1/sources?sort=date&limit=1"
    )
