"""`q=` on list routes: names in every language, acronyms and aliases, any case or accent."""

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import ids


@pytest.mark.parametrize(
    "query",
    ["SCO", "sco", "Shanghai Cooperation Organisation", "Shanghai Cooperation Organization"],
)
def test_acronym_and_names_find_the_organization(client: TestClient, query: str) -> None:
    assert "sco" in ids(client, f"/v1/partner-organizations?q={query}")


@pytest.mark.parametrize(
    ("query", "expected"),
    [("Казахстан", "KZ"), ("turkiye", "TR"), ("TÜRKİYE", "TR"), ("kaz", "KZ")],
)
def test_member_by_name_in_english_or_russian(
    client: TestClient, query: str, expected: str
) -> None:
    assert expected in ids(client, f"/v1/members?q={query}")


def test_no_match_is_an_empty_page(client: TestClient) -> None:
    body = client.get("/v1/councils?q=zzzz-nothing").json()
    assert body["data"] == [] and body["meta"]["total"] == 0


def test_search_composes_with_filters(client: TestClient) -> None:
    assert ids(client, "/v1/observers?q=osce&type=state") == []
    assert ids(client, "/v1/observers?q=osce&type=organization") == ["osce"]
