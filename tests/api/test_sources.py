"""`/v1/sources`."""

from fastapi.testclient import TestClient

from tests.api.helpers import ids


def test_the_five_documents_with_their_hashes(client: TestClient) -> None:
    documents = client.get("/v1/sources?kind=seed-document").json()["data"]
    assert len(documents) == 5
    assert all(len(d["sha256"]) == 64 and d["citations"] > 0 for d in documents)


def test_public_sources_have_urls(client: TestClient) -> None:
    for source in client.get("/v1/sources?limit=200").json()["data"]:
        if source["kind"] != "seed-document":
            assert source["url"].startswith("http"), source["id"]


def test_sort_by_date(client: TestClient) -> None:
    assert ids(client, "/v1/sources?sort=-date&limit=1") != ids(
        client, "/v1/sources?sort=date&limit=1"
    )
