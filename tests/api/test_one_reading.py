"""One reading of each request header, shared by every layer: repeated field lines are
combined (RFC 9110 section 5.3) or refused, so the response cache, the renderer and the
validators never disagree and no header one client repeats shapes another's answer. Also:
`Host` as RFC 9112 wants it, bounded 400s, errors in words, redirects from the public URL.
"""

import email.utils
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.core.edge import MAX_QUERY_PARAMETERS
from app.core.errors import LISTED_NAMES
from tests.api.helpers import assert_problem
from tests.support.apps import app_on

PUBLIC = "http://api.test"
URL = "/v1/members?fields=id,name&limit="
# (header, first line, second line): list fields are combined in order, singles refused.
REPEATED = [
    ("Accept", "text/csv", "*/*"),
    ("Accept-Language", "ru", "zz"),
    ("Accept-Language", "zz", "ru;q=0.5"),
    ("If-None-Match", "ETAG", '"something-else"'),
    ("If-Modified-Since", "LAST-MODIFIED", "Thu, 01 Jan 1970 00:00:00 GMT"),
    ("Origin", "https://one.example", "https://two.example"),
    ("X-Request-ID", "first-id", "second-id"),
]
CASES = [
    (name, *(lines if order == "as listed" else lines[::-1]), f"{name}-{order}")
    for name, *lines in REPEATED
    for order in ("as listed", "reversed")
]
SINGLES = {"If-Modified-Since", "Origin", "X-Request-ID"}


@pytest.fixture(scope="module")
def cached(seeded_engine: Engine) -> Iterator[TestClient]:
    with TestClient(app_on(seeded_engine, cache_max_bytes=8 << 20), base_url=PUBLIC) as client:
        yield client


@pytest.fixture(scope="module")
def uncached(seeded_engine: Engine) -> Iterator[TestClient]:
    with TestClient(app_on(seeded_engine, cache_max_bytes=0), base_url=PUBLIC) as client:
        yield client


def _answer(response: object) -> tuple[object, ...]:
    headers = response.headers  # type: ignore[attr-defined]
    return (
        response.status_code,  # type: ignore[attr-defined]
        response.content,  # type: ignore[attr-defined]
        headers.get("content-type"),
        headers.get("content-language"),
        headers.get("etag"),
    )


@pytest.mark.parametrize(
    ("case", "name", "first", "second"),
    [pytest.param(n, *c[:3], id=c[3]) for n, c in enumerate(CASES, start=1)],
)
def test_repeated_headers_through_the_cache_never_reach_a_plain_client(
    cached: TestClient, uncached: TestClient, case: int, name: str, first: str, second: str
) -> None:
    url = URL + str(case)  # a URL of this case's own, so the cache holds nothing for it yet
    plain = uncached.get(url)
    assert plain.status_code == 200
    values = {"ETAG": plain.headers["etag"], "LAST-MODIFIED": plain.headers["last-modified"]}
    lines = [(name, values.get(first, first)), (name, values.get(second, second))]

    repeated = cached.get(url, headers=lines)

    if name in SINGLES:
        body = assert_problem(repeated, 400)
        assert name.lower() in body["detail"].lower() and "once" in body["detail"]
        assert repeated.headers["x-request-id"] not in (first, second)
    else:
        combined = uncached.get(url, headers={name: f"{lines[0][1]}, {lines[1][1]}"})
        assert _answer(repeated) == _answer(combined), "the lines are read as one, in order"
    for _ in range(2):  # the first plain request may fill the cache, the second is a hit
        assert _answer(cached.get(url)) == _answer(plain)


def test_the_renderer_reads_the_combined_lines(uncached: TestClient) -> None:
    """`Accept-Language: zz` then `Accept-Language: ru`: Russian, as `zz, ru` says."""
    response = uncached.get(
        "/v1/members/KZ", headers=[("Accept-Language", "zz"), ("Accept-Language", "ru")]
    )
    assert response.headers["content-language"] == "ru"
    csv = uncached.get("/v1/members", headers=[("Accept", "text/html"), ("Accept", "text/csv")])
    assert csv.headers["content-type"].startswith("text/csv")


def test_if_none_match_lines_are_one_list(uncached: TestClient) -> None:
    etag = uncached.get("/v1/members/KZ").headers["etag"]
    for lines in ([etag, '"x"'], ['"x"', etag]):
        response = uncached.get(
            "/v1/members/KZ", headers=[("If-None-Match", line) for line in lines]
        )
        assert response.status_code == 304


def test_two_host_headers_are_400(cached: TestClient) -> None:
    response = cached.get("/v1/members/KZ", headers=[("Host", "a.example"), ("Host", "b.example")])
    body = assert_problem(response, 400)
    assert "Host" in body["detail"]


def _raw_get(
    client: TestClient, path: str, *, query: bytes = b"", http_version: str = "1.1", host: bool
) -> tuple[int, bytes]:
    """A GET straight to the ASGI app, for what an HTTP client library will not send."""

    async def call() -> tuple[int, bytes]:
        sent: list[Any] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Any) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": http_version,
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query,
            "root_path": "",
            "headers": [(b"host", b"api.test")] if host else [],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        await client.app(scope, receive, send)
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

    return anyio.run(call)


def test_a_missing_host_on_http_1_1_is_400_and_allowed_on_http_1_0(cached: TestClient) -> None:
    status, body = _raw_get(cached, "/healthz", host=False)
    assert status == 400 and b"Host" in body
    assert _raw_get(cached, "/healthz", http_version="1.0", host=False)[0] == 200
    assert _raw_get(cached, "/healthz", host=True)[0] == 200


def test_unknown_parameters_answer_a_short_400(cached: TestClient) -> None:
    """11,000 unknown parameters (a 62 KB query): a short refusal, before any other work."""
    query = "&".join(f"{n}=" for n in range(11_000)).encode()
    status, body = _raw_get(cached, "/v1/members", query=query, host=True)
    assert status == 400 and len(body) < 2048, len(body)
    assert str(MAX_QUERY_PARAMETERS).encode() in body


def test_an_unknown_parameter_list_is_bounded(cached: TestClient) -> None:
    names = [f"bogus{n}" for n in range(MAX_QUERY_PARAMETERS - 1)]
    response = cached.get("/v1/members?" + "&".join(f"{n}=1" for n in names))
    body = assert_problem(response, 400)
    assert len(body["errors"]) == LISTED_NAMES
    assert f"and {len(names) - LISTED_NAMES} more" in body["detail"]
    assert len(response.content) < 2048
    few = assert_problem(cached.get("/v1/members?bogus=1&other=2"), 400)
    assert "bogus" in few["detail"] and "other" in few["detail"] and "more" not in few["detail"]


def test_a_query_without_a_letter_or_digit_is_told_so(cached: TestClient) -> None:
    for url in ("/v1/members?q=!!", "/v1/search?q=!!"):
        body = assert_problem(cached.get(url), 422)
        assert "letter or digit" in body["detail"], body
        assert "\\u" not in body["detail"] and "^" not in body["detail"]


@pytest.mark.parametrize("value", ["2021-13-01", "2021-02-30", "2021-12-31T00:00:00", "0"])
def test_a_bad_date_is_told_the_format(cached: TestClient, value: str) -> None:
    body = assert_problem(cached.get(f"/v1/members?as_of={value}"), 422)
    assert "YYYY-MM-DD" in body["detail"]
    assert "datetime" not in body["detail"].lower()


def test_every_pattern_error_speaks_words(cached: TestClient) -> None:
    """Every query parameter of every list route that has a pattern, given a value that
    breaks it: the error says what is wanted, never the pattern."""
    document = cached.get("/openapi.json").json()
    checked = []
    for path, item in document["paths"].items():
        if "{" in path:
            continue
        for parameter in item.get("get", {}).get("parameters", []):
            pattern = parameter.get("schema", {}).get("pattern")
            if parameter["in"] != "query" or pattern is None:
                continue
            extra = "" if parameter["name"] == "q" or path != "/v1/search" else "&q=kaz"
            response = cached.get(f"{path}?{parameter['name']}=!!{extra}")
            assert response.status_code in (400, 422), (path, parameter["name"], response.text)
            body = response.json()
            for text in [body["detail"], *(e["message"] for e in body.get("errors", []))]:
                assert pattern not in text and "^" not in text and "(?:" not in text, (path, text)
            checked.append((path, parameter["name"]))
    names = {name for _, name in checked}
    assert {"q", "sort", "fields", "nationality", "record_id", "collection"} <= names, names


def test_the_trailing_slash_redirect_points_at_the_public_url(cached: TestClient) -> None:
    response = cached.get(
        "/v1/members/KZ/?lang=ru", headers={"Host": "evil.example"}, follow_redirects=False
    )
    assert response.status_code == 307
    assert response.headers["location"] == f"{PUBLIC}/v1/members/KZ?lang=ru"
    assert cached.get("/v1/nothing-here/", follow_redirects=False).status_code == 404


def test_if_modified_since_is_read_once(uncached: TestClient) -> None:
    last = uncached.get("/v1/members/KZ").headers["last-modified"]
    assert email.utils.parsedate_to_datetime(last)
    assert uncached.get("/v1/members/KZ", headers={"If-Modified-Since": last}).status_code == 304
