"""`q=` on list routes: names in every language, acronyms and aliases, any case or accent."""

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import ids
from tests.support import data

PARTNER = next(p for p in data.records("partner-organizations") if p.acronym and p.aliases)
OBSERVER_ORGANIZATION = next(
    o for o in data.records("observers") if o.acronym and o.id in data.observers_on()
)


@pytest.mark.parametrize(
    "query",
    [PARTNER.acronym, PARTNER.acronym.lower(), PARTNER.names["en"], *PARTNER.aliases],
)
def test_acronym_names_and_aliases_find_the_organization(client: TestClient, query: str) -> None:
    assert PARTNER.id in ids(client, f"/v1/partner-organizations?q={query}&limit=200")


@pytest.mark.parametrize(
    ("query", "expected"),
    [("Казахстан", "KZ"), ("turkiye", "TR"), ("TÜRKİYE", "TR"), ("kaz", "KZ")],
)
def test_member_by_name_in_english_or_russian(
    client: TestClient, query: str, expected: str
) -> None:
    """Country names come from pycountry, in English and Russian."""
    assert expected in ids(client, f"/v1/members?q={query}")


def test_no_match_is_an_empty_page(client: TestClient) -> None:
    body = client.get("/v1/councils?q=zzzz-nothing").json()
    assert body["data"] == [] and body["meta"]["total"] == 0


def test_search_composes_with_filters(client: TestClient) -> None:
    query = OBSERVER_ORGANIZATION.acronym
    as_states = client.get(f"/v1/observers?q={query}&type=state&limit=200").json()["data"]
    assert all(o["type"] == "state" for o in as_states)
    assert OBSERVER_ORGANIZATION.id not in {o["id"] for o in as_states}
    organizations = client.get(f"/v1/observers?q={query}&type=organization&limit=200").json()
    assert OBSERVER_ORGANIZATION.id in {o["id"] for o in organizations["data"]}
    assert all(o["type"] == "organization" for o in organizations["data"])
