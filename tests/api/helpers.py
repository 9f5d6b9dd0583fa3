"""Assertions shared by the API tests."""

from typing import Any

from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "instance"} <= body.keys()
    assert "Traceback" not in response.text
    return body


def ids(client: TestClient, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return [record["id"] for record in response.json()["data"]]


def walk_pages(client: TestClient, url: str) -> tuple[list[dict[str, Any]], int]:
    """Follow `links.next` from the first page to the last; return all records and `total`."""
    records: list[dict[str, Any]] = []
    body = client.get(url).json()
    total = body["meta"]["total"]
    while True:
        records.extend(body["data"])
        assert "prev" in body["links"] or body["meta"]["offset"] == 0
        if "next" not in body["links"]:
            break
        assert body["links"]["next"].startswith("http://api.test/")
        body = client.get(body["links"]["next"]).json()
    return records, total


def footnoted(record: dict[str, Any]) -> set[str]:
    """The fields a record backs: those a citation supports and those a derivation gives."""
    quoted = {name for c in record["sources"] for name in c["supports"]}
    derived = {name for d in record.get("derivations", []) for name in d["fields"]}
    return quoted | derived
