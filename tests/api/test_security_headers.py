"""Security headers: the same three on every response, a Content-Security-Policy on each
HTML page that admits nothing from another origin."""

import re

import pytest
from fastapi.testclient import TestClient

from app.core.edge import SECURITY_HEADERS

EVERY_RESPONSE = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
HTML_PAGES = ["/", "/docs", "/redoc", "/changelog"]


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        assert name not in parsed, f"{name} given twice in {policy}"
        parsed[name] = values
    return parsed


def test_the_edge_sends_what_this_test_expects() -> None:
    assert {n.decode(): v.decode() for n, v in SECURITY_HEADERS} == EVERY_RESPONSE


@pytest.mark.parametrize(
    ("method", "url", "headers", "status"),
    [
        ("GET", "/v1/members", {}, 200),
        ("GET", "/v1/members", {}, 200),  # again: a response cache hit
        ("GET", "/v1/members/XX", {}, 404),
        ("GET", "/v1/members?limit=0", {}, 422),
        ("POST", "/v1/search", {}, 405),
        ("POST", "/v1/members", {}, 401),  # a write, without a key
        ("HEAD", "/v1/members/KZ", {}, 200),
        ("GET", "/v1/members/KZ", {"If-None-Match": "*"}, 304),
        (
            "OPTIONS",
            "/v1/members",
            {"Origin": "https://a.example", "Access-Control-Request-Method": "GET"},
            204,
        ),
        ("GET", "/healthz", {}, 200),
        ("GET", "/openapi.json", {}, 200),
        ("GET", "/docs", {}, 200),
        ("GET", "/assets/swagger-ui-bundle.js", {}, 200),
    ],
)
def test_every_response_says_nosniff_deny_no_referrer(
    client: TestClient, method: str, url: str, headers: dict[str, str], status: int
) -> None:
    response = client.request(method, url, headers=headers)
    assert response.status_code == status, response.text
    for name, value in EVERY_RESPONSE.items():
        assert response.headers.get_list(name) == [value], name


@pytest.mark.parametrize("path", HTML_PAGES)
def test_html_pages_load_only_from_this_server(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    policies = response.headers.get_list("content-security-policy")
    assert len(policies) == 1, policies
    policy = directives(policies[0])
    assert policy["default-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    for name, values in policy.items():
        for value in values:
            assert value in ("'self'", "'none'", "'unsafe-inline'", "data:", "blob:"), (
                f"{name} admits {value}"
            )
    # Inline scripts are never allowed, and inline styles only where ReDoc needs them.
    assert policy.get("script-src", ["'self'"]) == ["'self'"]
    if path != "/redoc":
        assert "'unsafe-inline'" not in policy.get("style-src", [])
    html = response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "an inline script"
    assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html), "inline style or handler"


@pytest.mark.parametrize("path", HTML_PAGES)
def test_every_file_a_page_loads_is_served_here(client: TestClient, path: str) -> None:
    html = client.get(path, headers={"Accept": "text/html"}).text
    loaded = re.findall(r"""<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]+)""", html)
    assert loaded, html[:300]
    for url in loaded:
        assert url.startswith("/") and not url.startswith("//"), f"{path} loads {url}"
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url
