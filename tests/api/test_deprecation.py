"""Deprecating a route: a collection whose registry docs carry a `Deprecation` is marked
`deprecated` in OpenAPI and sends `Deprecation` (RFC 9745), `Sunset` (RFC 8594) and
`Link: rel="deprecation"` on its 200s, 304s, HEADs and cache hits, whichever layer serves
them (FastAPI's routing or the fast path in front of it)."""

import dataclasses
import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from httpx import Headers
from sqlalchemy import Engine

from app.api.fast_reads import FastReads
from app.api.v1.collection import add_collection_routes
from app.api.v1.search import search_route
from app.core.config import Settings
from app.core.deprecation import Deprecation
from app.core.http import HttpSemanticsMiddleware
from app.main import create_app
from app.registry import MEMBERS

NOTICE = Deprecation(
    since=dt.date(2026, 1, 1), sunset=dt.date(2027, 7, 1), link="/changelog#members"
)
EXPECTED = {
    "deprecation": "@1767225600",  # 2026-01-01T00:00:00Z
    "sunset": "Thu, 01 Jul 2027 00:00:00 GMT",
}
LINK = '<http://api.test/changelog#members>; rel="deprecation"'
LEGACY = dataclasses.replace(
    MEMBERS,
    docs=dataclasses.replace(
        MEMBERS.docs, singular="LegacyMember", plural="LegacyMembers", deprecation=NOTICE
    ),
)


@pytest.fixture(scope="module")
def app(seeded_engine: Engine) -> Iterator[FastAPI]:
    """The real app (cache on) with the members routes again under `/legacy`, deprecated."""
    settings = Settings(
        database_url=str(seeded_engine.url), public_url="http://api.test", version_poll_seconds=3600
    )
    application = create_app(settings, engine=seeded_engine)
    router = APIRouter(prefix="/legacy")
    application.state.legacy_handlers = add_collection_routes(router, LEGACY)
    application.include_router(router)
    yield application


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://api.test") as test_client:
        yield test_client


def _assert_notice(headers: Headers, *, link: bool = True) -> None:
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, name
    if link:
        assert LINK in headers.get_list("link")


@pytest.mark.parametrize("path", ["/legacy/members?limit=2", "/legacy/members/KZ"])
def test_deprecated_route_sends_the_headers_on_200_head_304_and_cache_hits(
    client: TestClient, path: str
) -> None:
    first = client.get(path)
    assert first.status_code == 200
    _assert_notice(first.headers)
    again = client.get(path)  # a cache hit
    assert again.headers.get("etag") == first.headers["etag"]
    _assert_notice(again.headers)
    head = client.head(path)
    assert head.status_code == 200 and head.content == b""
    _assert_notice(head.headers)
    not_modified = client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert not_modified.status_code == 304
    _assert_notice(not_modified.headers, link=False)


def test_csv_pages_keep_their_paging_links(client: TestClient) -> None:
    response = client.get("/legacy/members?limit=2&format=csv")
    assert response.status_code == 200
    links = response.headers.get_list("link")
    assert LINK in links
    assert any('rel="next"' in link for link in links)


def test_the_fast_path_sends_them_too(app: FastAPI, client: TestClient) -> None:
    """The handlers the registry gives the fast path carry the notice as well."""
    stack = HttpSemanticsMiddleware(
        FastReads(
            app.router,
            api=app,
            collections={"members": app.state.legacy_handlers},
            id_names={"members": "member_id"},
            search=search_route,
        )
    )
    fast = TestClient(stack, base_url="http://api.test")
    response = fast.get("/v1/members/KZ")
    assert response.status_code == 200 and response.json()["id"] == "KZ"
    _assert_notice(response.headers)
    assert (
        fast.get("/v1/members/KZ", headers={"If-None-Match": response.headers["etag"]}).status_code
        == 304
    )


def test_other_routes_are_not_deprecated(client: TestClient) -> None:
    response = client.get("/v1/members/KZ")
    assert "deprecation" not in response.headers and "sunset" not in response.headers


def test_openapi_marks_only_the_deprecated_operations(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operations = {
        op["operationId"]: op for item in document["paths"].values() for op in item.values()
    }
    for name in ("listLegacyMembers", "getLegacyMember"):
        operation = operations[name]
        assert operation["deprecated"] is True
        assert operation["description"].startswith("**Deprecated** since 2026-01-01")
        for status in ("200", "304"):
            assert {"Deprecation", "Sunset", "Link"} <= operation["responses"][status][
                "headers"
            ].keys()
    assert not any(op.get("deprecated") for name, op in operations.items() if "Legacy" not in name)


def test_a_sunset_before_the_deprecation_is_refused() -> None:
    with pytest.raises(ValueError, match="sunset"):
        Deprecation(since=dt.date(2026, 1, 2), sunset=dt.date(2026, 1, 1))
