"""The versioned response cache and conditional requests."""

import datetime as dt
import email.utils
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from app.core.cache import Entry, ResponseCache
from app.core.config import Settings
from app.main import create_app
from seed.loader import load


def _client(engine: Engine, **settings: object) -> TestClient:
    app = create_app(
        Settings(database_url=str(engine.url), version_poll_seconds=3600, **settings), engine=engine
    )
    return TestClient(app)


@pytest.fixture
def quiet_client(seeded_engine: Engine) -> Iterator[TestClient]:
    """A client whose version poller never fires during a test, so SQL can be counted."""
    with _client(seeded_engine) as client:
        yield client


@pytest.fixture
def statements(seeded_engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(seeded_engine, "before_cursor_execute", record)
    yield seen
    event.remove(seeded_engine, "before_cursor_execute", record)


@pytest.mark.parametrize(
    "url",
    [
        "/v1/members?limit=5&sort=name",
        "/v1/members/KZ",
        "/v1/members?format=csv",
        "/v1/search?q=sco",
    ],
)
def test_a_hit_runs_no_sql(quiet_client: TestClient, statements: list[str], url: str) -> None:
    first = quiet_client.get(url)
    assert first.status_code == 200 and statements, "the miss queries the database"
    statements.clear()
    second = quiet_client.get(url)
    assert statements == []
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]


def test_query_order_does_not_matter(quiet_client: TestClient, statements: list[str]) -> None:
    quiet_client.get("/v1/members?limit=5&sort=name")
    statements.clear()
    assert quiet_client.get("/v1/members?sort=name&limit=5").status_code == 200
    assert statements == []


@pytest.mark.parametrize("if_none_match", ["{etag}", '"other", {etag}', "*", "W/{etag}"])
def test_if_none_match_answers_304_with_validators(client: TestClient, if_none_match: str) -> None:
    first = client.get("/v1/councils?limit=3")
    etag = first.headers["etag"]
    response = client.get(
        "/v1/councils?limit=3", headers={"If-None-Match": if_none_match.format(etag=etag)}
    )
    assert response.status_code == 304 and response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers["cache-control"] == "public, max-age=60, stale-while-revalidate=300"
    assert response.headers["last-modified"] == first.headers["last-modified"]


def test_a_stale_etag_gets_the_full_response(client: TestClient) -> None:
    response = client.get("/v1/councils?limit=3", headers={"If-None-Match": '"0.0.0-0-stale"'})
    assert response.status_code == 200 and response.json()["data"]


def test_if_modified_since(client: TestClient) -> None:
    last_modified = client.get("/v1/members/KZ").headers["last-modified"]
    assert (
        client.get("/v1/members/KZ", headers={"If-Modified-Since": last_modified}).status_code
        == 304
    )
    earlier = email.utils.parsedate_to_datetime(last_modified) - dt.timedelta(days=1)
    older = email.utils.format_datetime(earlier, usegmt=True)
    assert client.get("/v1/members/KZ", headers={"If-Modified-Since": older}).status_code == 200
    assert (
        client.get("/v1/members/KZ", headers={"If-Modified-Since": "yesterday"}).status_code == 200
    )


def test_validators_differ_per_representation(client: TestClient) -> None:
    etags = {
        client.get("/v1/members/KZ").headers["etag"],
        client.get("/v1/members/KZ?lang=ru").headers["etag"],
        client.get("/v1/members/KZ", headers={"Accept-Language": "ru"}).headers["etag"],
        client.get("/v1/members?format=csv").headers["etag"],
        client.get("/v1/members").headers["etag"],
    }
    assert len(etags) == 5
    response = client.get("/v1/members")
    assert response.headers["vary"] == "Accept, Accept-Language"
    assert response.headers["access-control-allow-origin"] == "*"
    assert "ETag" in response.headers["access-control-expose-headers"]


def test_errors_are_not_cached_or_validated(client: TestClient) -> None:
    response = client.get("/v1/members/XX")
    assert response.status_code == 404 and "etag" not in response.headers
    assert client.get("/v1/members?limit=0").status_code == 422


def test_a_reseed_changes_the_etag(fresh_engine: Engine, tmp_path: Path) -> None:
    import shutil

    from seed import SEED_DIR

    seed_copy = tmp_path / "seed"
    shutil.copytree(SEED_DIR, seed_copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    load(fresh_engine, seed_dir=seed_copy)
    with _client(fresh_engine) as client:
        before = client.get("/v1/members/KW")
        members = seed_copy / "members.toml"
        members.write_text(members.read_text().replace('from = "2022-10-13"', 'from = "2022-10"'))
        load(fresh_engine, seed_dir=seed_copy)
        client.app.state.dataset.refresh(fresh_engine)  # what the poller does every 0.5 s
        after = client.get("/v1/members/KW")
        stale = client.get("/v1/members/KW", headers={"If-None-Match": before.headers["etag"]})
    assert after.headers["etag"] != before.headers["etag"]
    assert int(after.headers["x-dataset-version"]) == int(before.headers["x-dataset-version"]) + 1
    assert (before.json()["joined"], after.json()["joined"]) == ("2022-10-13", "2022-10")
    assert stale.status_code == 200


def test_memory_is_bounded() -> None:
    cache = ResponseCache(max_bytes=100)
    for n in range(10):
        cache.put((1, n), Entry(b'"e"', [], b"x" * 30))
    assert cache.size <= 100 and len(cache) == 3
    assert cache.get((1, 9)) is not None and cache.get((1, 0)) is None
    cache.put((1, "huge"), Entry(b'"e"', [], b"x" * 101))
    assert cache.get((1, "huge")) is None


def test_cache_can_be_switched_off(seeded_engine: Engine, statements: list[str]) -> None:
    with _client(seeded_engine, cache_max_bytes=0) as client:
        client.get("/v1/members/KZ")
        statements.clear()
        response = client.get("/v1/members/KZ")
    assert statements and "etag" not in response.headers


def test_conditional_requests_never_hide_a_missing_resource(client: TestClient) -> None:
    assert client.get("/v1/members/XX", headers={"If-None-Match": "*"}).status_code == 404
    last_modified = client.get("/v1/members/KZ").headers["last-modified"]
    assert (
        client.get("/v1/members/XX", headers={"If-Modified-Since": last_modified}).status_code
        == 404
    )


def test_a_head_request_does_not_poison_the_cache(quiet_client: TestClient) -> None:
    head = quiet_client.head("/v1/councils/cica-fund")
    assert head.status_code == 200 and head.content == b""
    get = quiet_client.get("/v1/councils/cica-fund")
    assert get.json()["id"] == "cica-fund"
    assert quiet_client.head("/v1/councils/cica-fund").headers["etag"] == get.headers["etag"]
