"""HTTP semantics (validators, 304, HEAD) with the response cache on and off, the cache
itself, and the snapshot that makes reads independent of the database."""

import datetime as dt
import email.utils
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from app.core.cache import ResponseCache
from app.core.config import Settings
from app.main import create_app
from seed import SEED_DIR
from seed.loader import load
from tests.support import curate

CACHE_SETTINGS = {"on": {}, "off": {"cache_max_bytes": 0}}


def _client(engine: Engine, **settings: object) -> TestClient:
    app = create_app(
        Settings(database_url=str(engine.url), version_poll_seconds=3600, **settings),  # type: ignore[arg-type]
        engine=engine,
    )
    return TestClient(app)


@pytest.fixture(params=list(CACHE_SETTINGS))
def any_client(request: pytest.FixtureRequest, seeded_engine: Engine) -> Iterator[TestClient]:
    """The same assertions must hold whether a response cache is configured or not."""
    with _client(seeded_engine, **CACHE_SETTINGS[request.param]) as client:
        yield client


@pytest.fixture
def statements(seeded_engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(seeded_engine, "before_cursor_execute", record)
    yield seen
    event.remove(seeded_engine, "before_cursor_execute", record)


READS = [
    "/v1/members?limit=5&sort=name",
    "/v1/members/KZ",
    "/v1/members?format=csv",
    "/v1/members?as_of=2004-06-01",
    "/v1/search?q=sco",
    "/v1/exports/members.csv",
]


@pytest.mark.parametrize("url", READS)
def test_reads_run_no_sql(any_client: TestClient, statements: list[str], url: str) -> None:
    """Reads come from the snapshot, built once per dataset version, cache or no cache."""
    first = any_client.get(url)
    second = any_client.get(url)
    assert first.status_code == second.status_code == 200
    assert statements == []
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]


@pytest.mark.parametrize("if_none_match", ["{etag}", '"other", {etag}', "*", "W/{etag}"])
def test_if_none_match_answers_304_with_validators(
    any_client: TestClient, if_none_match: str
) -> None:
    first = any_client.get("/v1/councils?limit=3")
    etag = first.headers["etag"]
    response = any_client.get(
        "/v1/councils?limit=3", headers={"If-None-Match": if_none_match.format(etag=etag)}
    )
    assert response.status_code == 304 and response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers["cache-control"] == "public, max-age=60, stale-while-revalidate=300"
    assert response.headers["last-modified"] == first.headers["last-modified"]
    assert "content-type" not in response.headers and "content-language" not in response.headers


def test_a_stale_etag_gets_the_full_response(any_client: TestClient) -> None:
    response = any_client.get("/v1/councils?limit=3", headers={"If-None-Match": '"0.0-stale"'})
    assert response.status_code == 200 and response.json()["data"]


def test_if_modified_since(any_client: TestClient) -> None:
    last_modified = any_client.get("/v1/members/KZ").headers["last-modified"]
    since = {"If-Modified-Since": last_modified}
    assert any_client.get("/v1/members/KZ", headers=since).status_code == 304
    earlier = email.utils.parsedate_to_datetime(last_modified) - dt.timedelta(days=1)
    older = {"If-Modified-Since": email.utils.format_datetime(earlier, usegmt=True)}
    assert any_client.get("/v1/members/KZ", headers=older).status_code == 200
    nonsense = {"If-Modified-Since": "yesterday"}
    assert any_client.get("/v1/members/KZ", headers=nonsense).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    both = {**since, "If-None-Match": '"other"'}
    assert any_client.get("/v1/members/KZ", headers=both).status_code == 200


def test_head_answers_like_get_without_a_body(any_client: TestClient) -> None:
    for url in ("/v1/councils/cica-fund", "/v1/members?format=csv", "/healthz", "/readyz"):
        get, head = any_client.get(url), any_client.head(url)
        assert head.status_code == get.status_code == 200 and head.content == b""
        assert head.headers.get("etag") == get.headers.get("etag")
        assert head.headers["content-type"] == get.headers["content-type"]
    assert any_client.get("/v1/councils/cica-fund").json()["id"] == "cica-fund"


def test_405_names_head_in_allow(any_client: TestClient) -> None:
    response = any_client.post("/v1/search")  # (a collection takes POST with a write key)
    assert response.status_code == 405
    assert [m.strip() for m in response.headers["allow"].split(",")] == ["GET", "HEAD"]


def test_probes_are_not_cached_by_anyone(any_client: TestClient) -> None:
    for url in ("/healthz", "/readyz"):
        assert any_client.get(url).headers["cache-control"] == "no-store"


def test_validators_differ_per_representation(any_client: TestClient) -> None:
    etags = {
        any_client.get("/v1/members/KZ").headers["etag"],
        any_client.get("/v1/members/KZ?lang=ru").headers["etag"],
        any_client.get("/v1/members?format=csv").headers["etag"],
        any_client.get("/v1/members").headers["etag"],
    }
    assert len(etags) == 4
    # The same representation asked differently has one validator and one body.
    by_header = any_client.get("/v1/members/KZ", headers={"Accept-Language": "ru"})
    by_query = any_client.get("/v1/members/KZ?lang=ru")
    assert by_header.content == by_query.content
    assert (
        any_client.get("/v1/members/kaz").headers["etag"]
        == any_client.get("/v1/members/KZ").headers["etag"]
    )
    response = any_client.get("/v1/members")
    assert response.headers["vary"].startswith("Accept, Accept-Language")


def test_errors_carry_no_validators(any_client: TestClient) -> None:
    response = any_client.get("/v1/members/XX")
    assert response.status_code == 404 and "etag" not in response.headers
    assert any_client.get("/v1/members?limit=0").status_code == 422


def test_conditional_requests_never_hide_a_missing_resource(any_client: TestClient) -> None:
    assert any_client.get("/v1/members/XX", headers={"If-None-Match": "*"}).status_code == 404
    last_modified = any_client.get("/v1/members/KZ").headers["last-modified"]
    headers = {"If-Modified-Since": last_modified}
    assert any_client.get("/v1/members/XX", headers=headers).status_code == 404


def test_a_reseed_changes_the_etag(fresh_engine: Engine, tmp_path: Path) -> None:
    seed_copy = tmp_path / "seed"
    shutil.copytree(SEED_DIR, seed_copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    load(fresh_engine, seed_dir=seed_copy)
    with _client(fresh_engine) as client:
        member_id = curate.member_joined_on_a_day().id
        before = client.get(f"/v1/members/{member_id}")
        _, old, new = curate.reduce_join_precision(seed_copy)
        load(fresh_engine, seed_dir=seed_copy)
        assert client.portal is not None
        assert client.portal.call(client.app.state.maintainer.refresh)  # what the poller does
        after = client.get(f"/v1/members/{member_id}")
        stale = client.get(
            f"/v1/members/{member_id}", headers={"If-None-Match": before.headers["etag"]}
        )
    assert after.headers["etag"] != before.headers["etag"]
    assert int(after.headers["x-dataset-version"]) == int(before.headers["x-dataset-version"]) + 1
    assert (before.json()["joined"], after.json()["joined"]) == (old, new)
    assert stale.status_code == 200


def test_the_cache_answers_hits_without_the_app(seeded_engine: Engine) -> None:
    with _client(seeded_engine) as client:
        cache: ResponseCache = client.app.state.response_cache
        client.get("/v1/members?limit=5&sort=name")
        hits = cache.hits
        assert client.get("/v1/members?limit=5&sort=name").status_code == 200
        assert cache.hits == hits + 1


def test_the_cache_keys_on_the_canonical_request(seeded_engine: Engine) -> None:
    """Differently spelled requests for one representation share one entry."""
    with _client(seeded_engine) as client:
        cache: ResponseCache = client.app.state.response_cache
        client.get("/v1/members?limit=5&sort=name")
        client.get("/v1/members?sort=name&limit=5")
        client.get("/v1/members?sort=name&limit=05")
        client.get("/v1/members?sort=name&limit=5", headers={"Accept": "application/json"})
        client.get("/v1/members?sort=name&limit=5", headers={"Accept-Language": "en-GB, fr"})
        assert len(cache) == 1


def test_the_cache_never_keeps_raw_header_values(seeded_engine: Engine) -> None:
    with _client(seeded_engine) as client:
        cache: ResponseCache = client.app.state.response_cache
        for n in range(50):
            huge = f"x-{n}-" + "a" * 8000
            response = client.get(
                "/v1/members/KZ", headers={"Accept-Language": huge, "Accept": "*/*," + huge}
            )
            assert response.status_code == 200
        assert len(cache) == 1 and cache.size < 100_000


def test_memory_is_bounded_by_everything_an_entry_holds() -> None:
    cache = ResponseCache(max_bytes=5000)
    headers = [(b"content-type", b"application/json")]
    for n in range(100):
        cache.put(
            (1, f"/v1/x?{n}", b"", None, None), (1, f"/v1/x?{n}|json|en"), headers, b"x" * 300
        )
        assert cache.size <= 5000
    assert 0 < len(cache) < 100
    assert cache.get((1, "/v1/x?99", b"", None, None)) is not None
    assert cache.get((1, "/v1/x?0", b"", None, None)) is None
    cache.put((1, "/huge", b"", None, None), (1, "/huge"), headers, b"x" * 6000)
    assert cache.get((1, "/huge", b"", None, None)) is None and cache.size <= 5000
    # Many aliases of one entry count too.
    small = ResponseCache(max_bytes=3000)
    for n in range(100):
        small.put((1, "/v1/y", f"q={n}".encode(), None, None), (1, "/v1/y"), headers, b"y")
        assert small.size <= 3000
