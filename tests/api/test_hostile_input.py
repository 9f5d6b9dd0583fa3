"""What an attacker or a careless client sends: spoofed host headers, repeated, oversized
and invisible parameters, control characters. Every answer is a 4xx problem+json with a
valid JSON body, and nothing one client sends shapes what another receives."""

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.core.config import Settings
from app.main import create_app
from tests.api.helpers import assert_problem

PUBLIC = "https://data.cica.example"
SPOOFS = [
    {"Host": "evil.example"},
    {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "ws"},
    {"Forwarded": "host=evil.example;proto=ws"},
    {"X-Forwarded-Prefix": "/evil", "X-Original-URL": "http://evil.example/"},
]
WITH_LINKS = [
    "/v1/members?limit=2",
    "/v1/members?limit=2&format=csv",
    "/v1/members?limit=2&format=ndjson",
    "/v1/search?q=kaz&limit=2",
    "/v1/exports",
]


@pytest.fixture(params=["cache on", "cache off"])
def public_client(request: pytest.FixtureRequest, seeded_engine: Engine) -> Iterator[TestClient]:
    settings = Settings(
        database_url=str(seeded_engine.url),
        public_url=PUBLIC,
        version_poll_seconds=3600,
        cache_max_bytes=0 if request.param == "cache off" else 1 << 20,
    )
    with TestClient(create_app(settings, engine=seeded_engine)) as client:
        yield client


@pytest.mark.parametrize("spoof", SPOOFS)
@pytest.mark.parametrize("url", WITH_LINKS)
def test_spoofed_headers_never_reach_another_client(
    public_client: TestClient, url: str, spoof: dict[str, str]
) -> None:
    poisoned = public_client.get(url, headers=spoof)
    honest = public_client.get(url)
    for response in (poisoned, honest):
        assert response.status_code == 200
        text = response.text + json.dumps(dict(response.headers))
        assert "evil" not in text and "ws://" not in text
    assert honest.content == poisoned.content
    assert honest.headers["etag"] == poisoned.headers["etag"]
    assert PUBLIC in honest.text + honest.headers.get("link", "")


@pytest.mark.parametrize(
    "url",
    [
        "/v1/members?limit=1&limit=3",
        "/v1/members?limit=3&limit=1",
        "/v1/members?sort=name&sort=-name",
        "/v1/search?q=kaz&q=sco",
    ],
)
def test_a_repeated_parameter_is_400(client: TestClient, url: str) -> None:
    body = assert_problem(client.get(url), 400)
    assert "more than once" in body["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/v1/members/KZ%00",
        "/v1/members/%0AKZ",
        "/v1/observers/osce%1b",
        "/v1/councils/youth-council%7F",
        "/v1/exports/members.csv%00",
        "/v1/members?q=kaz%00",
        "/v1/members?sort=name%00",
        "/v1/members?fields=id%0A",
        "/v1/members?as_of=2020-01-01%00",
        "/v1/search?q=%00",
    ],
)
def test_control_characters_get_a_problem_with_valid_json(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    json.loads(response.content)


@pytest.mark.parametrize(
    "value", ["0", "1700000000", "2021-12-31T00:00:00", "20211231", "2021-13-01"]
)
def test_as_of_is_a_date_and_nothing_else(client: TestClient, value: str) -> None:
    assert_problem(client.get(f"/v1/members?as_of={value}"), 422)


@pytest.mark.parametrize("q", ["%25", "_", "%E2%80%8B", "%20%20", "-", "%F0%9F%99%82"])
def test_a_query_with_nothing_searchable_is_422_not_everything(client: TestClient, q: str) -> None:
    assert_problem(client.get(f"/v1/members?q={q}"), 422)
    assert_problem(client.get(f"/v1/search?q={q}"), 422)


def test_paging_and_sort_are_bounded(client: TestClient) -> None:
    assert_problem(client.get("/v1/members?offset=10001"), 422)
    assert client.get("/v1/members?offset=10000").json()["data"] == []
    assert_problem(client.get("/v1/members?sort=" + ",".join(["name"] * 5)), 400)
    assert_problem(client.get("/v1/members?sort=" + "n" * 300), 422)
    assert_problem(client.get("/v1/members?q=" + "k" * 201), 422)


def test_search_has_no_sort_to_ignore(client: TestClient) -> None:
    assert_problem(client.get("/v1/search?q=kaz&sort=name"), 400)


def test_unknown_sort_and_field_names_list_what_exists(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/members?sort=shoe_size"), 400)
    assert "joined" in body["detail"] and body["errors"][0]["field"] == "query.sort"
    body = assert_problem(client.get("/v1/sources?fields=id,name"), 400)
    assert "title" in body["detail"] and "unknown: name" in body["detail"]


def test_oversized_negotiation_headers_are_read_up_to_a_cap(client: TestClient) -> None:
    huge = "ru;q=0.1," + "x" * 20000
    response = client.get("/v1/members/KZ", headers={"Accept-Language": huge})
    assert response.status_code == 200 and response.headers["content-language"] == "ru"
    request_id = "r" * 129
    response = client.get("/v1/members/KZ", headers={"X-Request-ID": request_id})
    assert response.headers["x-request-id"] != request_id
    kept = client.get("/v1/members/KZ", headers={"X-Request-ID": "abc-123"})
    assert kept.headers["x-request-id"] == "abc-123"
