"""The reference deployment: compose.yaml's structure (no Docker engine runs in CI) and the
nginx rules of deploy/nginx/, run natively in front of a real `cica-api serve`.

nginx is needed for the second half: CI installs it (`.ci/run`); elsewhere the tests are
skipped with a message saying how to install it, and under CI they fail instead.
"""

import ipaddress
import os
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy.engine import make_url

from scripts.bench_proxy import running_proxy
from scripts.load_test import running_server
from tests.support.dockerfile import IMAGE_PORT, RUNTIME, healthcheck_argv

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
SERVICES: dict[str, Any] = COMPOSE["services"]
APPS = {name: s for name, s in SERVICES.items() if s.get("image") == SERVICES["app-1"]["image"]}
PROXY = SERVICES["proxy"]
MOUNTS = dict(reversed(v.split(":")[:2]) for v in PROXY["volumes"])  # container -> host


def test_compose_runs_postgres_two_replicas_of_one_image_and_a_proxy() -> None:
    assert set(SERVICES) == {"db", "app-1", "app-2", "proxy"}, SERVICES.keys()
    assert SERVICES["db"]["image"].startswith("postgres:"), SERVICES["db"]
    assert len(APPS) == 2
    assert all(app["build"] == "." for app in APPS.values()) and (ROOT / "Dockerfile").exists()
    environments = [app["environment"] for app in APPS.values()]
    assert environments[0] == environments[1], "replicas must agree on every setting"
    env = environments[0]
    assert env["CICA_PUBLIC_URL"], "one public URL, so links and ETags agree"
    database = make_url(
        env["CICA_DATABASE_URL"].replace("${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}", "x")
    )
    assert database.get_backend_name() == "postgresql" and database.host == "db", database


def test_compose_healthchecks_gate_the_start_order() -> None:
    for name, service in SERVICES.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    image_check = ["CMD", *healthcheck_argv(RUNTIME)]
    for name, app in APPS.items():
        assert app["healthcheck"]["test"] == image_check, f"{name}: not the image's health check"
        assert app["depends_on"] == {"db": {"condition": "service_healthy"}}, name
    assert PROXY["depends_on"] == {name: {"condition": "service_healthy"} for name in APPS}


def test_compose_trusts_exactly_the_proxy() -> None:
    ((network, settings),) = PROXY["networks"].items()
    address = ipaddress.ip_address(settings["ipv4_address"])
    subnet = ipaddress.ip_network(COMPOSE["networks"][network]["ipam"]["config"][0]["subnet"])
    assert address in subnet
    for name, app in APPS.items():
        assert app["environment"]["CICA_TRUSTED_PROXIES"] == str(address), name
        assert network in app["networks"], name


def test_nginx_config_mounts_exist_and_balance_over_the_replicas() -> None:
    for host in MOUNTS.values():
        assert (ROOT / host).is_file(), f"compose mounts {host}, which does not exist"
    config = (ROOT / MOUNTS["/etc/nginx/nginx.conf"]).read_text()
    for included in re.findall(r"^\s*include\s+([^;]+);", config, flags=re.M):
        assert included in MOUNTS, f"nginx.conf includes {included}, which is not mounted"
    upstream = re.search(r"upstream cica_api \{(.*?)\}", config, flags=re.S)
    assert upstream, config
    servers = re.findall(r"^\s*server\s+([^\s;]+)", upstream.group(1), flags=re.M)
    assert sorted(servers) == sorted(f"{name}:{IMAGE_PORT}" for name in APPS), servers


def _nginx() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        message = "nginx is not installed (Debian: apt-get install nginx-light)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_compose_nginx_config_is_valid(tmp_path: Path) -> None:
    """`nginx -t` on compose's nginx.conf, with the mounted paths and replica host names
    replaced by local ones (nothing else changes)."""
    nginx = _nginx()
    config = (ROOT / MOUNTS["/etc/nginx/nginx.conf"]).read_text()
    for target, host in MOUNTS.items():
        config = config.replace(target, str(ROOT / host))
    for name in APPS:
        config = config.replace(f"{name}:", "127.0.0.1:")
    config = config.replace("/var/cache/nginx/", f"{tmp_path}/").replace(
        "/tmp/nginx.pid", f"{tmp_path}/nginx.pid"
    )
    (tmp_path / "nginx.conf").write_text(config)
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, str]]:
    """nginx with deploy/nginx's rules in front of one `cica-api serve` on SQLite: a client
    of the proxy, and the app's own address."""
    _nginx()
    folder = tmp_path_factory.mktemp("proxy")
    with (
        running_server(f"sqlite:///{folder / 'proxy.db'}", cwd=folder) as app,
        running_proxy(int(app.rsplit(":", 1)[1]), folder / "nginx") as base,
        httpx.Client(base_url=base, timeout=10, trust_env=False) as client,
    ):
        yield client, app


@pytest.fixture(scope="module")
def proxy(stack: tuple[httpx.Client, str]) -> httpx.Client:
    return stack[0]


def _status(response: httpx.Response) -> str:
    return response.headers.get("x-cache-status", "")


def test_proxy_caches_each_representation_once(proxy: httpx.Client) -> None:
    first = proxy.get("/v1/members/KZ")
    again = proxy.get("/v1/members/KZ")
    assert (_status(first), _status(again)) == ("MISS", "HIT")
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    # Vary: Accept-Language: Russian is a representation of its own, cached beside English.
    ru = [proxy.get("/v1/members/KZ", headers={"Accept-Language": "ru"}) for _ in range(2)]
    assert [_status(r) for r in ru] == ["MISS", "HIT"]
    assert (
        ru[1].headers["content-language"] == "ru" and ru[1].json()["name"] != first.json()["name"]
    )
    assert ru[1].headers["etag"] != first.headers["etag"]
    assert proxy.get("/v1/members/KZ").json()["name"] == first.json()["name"]
    # Vary: Accept: CSV and JSON of one URL are two entries.
    csv = [
        proxy.get("/v1/members?fields=id,name", headers={"Accept": "text/csv"}) for _ in range(2)
    ]
    json_list = proxy.get("/v1/members?fields=id,name")
    assert [_status(r) for r in csv] == ["MISS", "HIT"] and _status(json_list) == "MISS"
    assert csv[1].headers["content-type"].startswith("text/csv")
    assert json_list.headers["content-type"].startswith("application/json")


def test_proxy_answers_conditional_and_head_requests_from_the_cache(proxy: httpx.Client) -> None:
    cached = proxy.get("/v1/members/CN")
    proxy.get("/v1/members/CN")
    not_modified = proxy.get("/v1/members/CN", headers={"If-None-Match": cached.headers["etag"]})
    assert not_modified.status_code == 304 and _status(not_modified) == "HIT"
    assert not_modified.headers["etag"] == cached.headers["etag"]
    head = proxy.head("/v1/members/CN")
    assert head.status_code == 200 and _status(head) == "HIT" and head.content == b""


def test_proxy_caches_nothing_the_app_does_not_allow(proxy: httpx.Client) -> None:
    for path in ("/v1/members/ZZ", "/v1/members?bogus=1", "/healthz"):
        answers = [proxy.get(path) for _ in range(2)]
        assert all(_status(a) in ("MISS", "BYPASS", "EXPIRED") for a in answers), (
            path,
            [_status(a) for a in answers],
        )


def test_proxy_gives_each_response_its_own_request_id(proxy: httpx.Client) -> None:
    proxy.get("/v1/councils")
    mine = proxy.get("/v1/councils", headers={"X-Request-ID": "client-chosen-1"})
    theirs = proxy.get("/v1/councils", headers={"X-Request-ID": "client-chosen-2"})
    anonymous = [proxy.get("/v1/councils") for _ in range(2)]
    assert [_status(r) for r in (mine, theirs, *anonymous)] == ["HIT"] * 4
    assert mine.headers["x-request-id"] == "client-chosen-1"
    assert theirs.headers["x-request-id"] == "client-chosen-2"
    made = [r.headers["x-request-id"] for r in anonymous]
    assert made[0] != made[1] and all(
        re.fullmatch(r"[A-Za-z0-9._:@+=/-]{1,128}", m) for m in made
    ), made


def _comparable(response: httpx.Response) -> object:
    """The body, less a problem's `instance` (it names each request's own id)."""
    if response.headers["content-type"].startswith("application/problem+json"):
        return {k: v for k, v in response.json().items() if k != "instance"}
    return response.content


def _instance_id(response: httpx.Response) -> str:
    """The request id the app put in a problem's `instance`."""
    return str(response.json()["instance"]).rsplit("#request=", 1)[1]


@pytest.mark.parametrize(
    "sent",
    [
        [],
        [("X-Request-ID", "client-chosen-3")],
        [("X-Request-ID", "bad id <script>")],
        [("X-Request-ID", "x" * 129)],
        [("X-Request-ID", "first-id"), ("X-Request-ID", "second-id")],
    ],
    ids=["none", "valid", "invalid", "too long", "repeated"],
)
def test_proxy_and_app_agree_on_every_request_id(
    proxy: httpx.Client, sent: list[tuple[str, str]]
) -> None:
    """The id the client sees is the id the app used (a problem's `instance` names it),
    the client's own only if it matches the app's pattern, else one that tells nothing of
    the proxy's host, worker or connection."""
    response = proxy.get("/v1/members/NO-SUCH-ID", headers=sent)
    assert response.status_code == 404
    seen = response.headers.get_list("x-request-id")
    assert len(seen) == 1 and seen[0] == _instance_id(response), (seen, response.text)
    valid = [v for n, v in sent if re.fullmatch(r"[A-Za-z0-9._:@+=/-]{1,128}", v)]
    if sent and valid and valid[0] == sent[0][1]:
        assert seen[0] == sent[0][1]
    else:
        assert re.fullmatch(r"[0-9a-f]{32}", seen[0]), seen
        assert socket.gethostname() not in seen[0]


def test_proxy_made_ids_are_random(proxy: httpx.Client) -> None:
    made = {proxy.get("/v1/members/NO-SUCH-ID").headers["x-request-id"] for _ in range(5)}
    assert len(made) == 5


@pytest.mark.parametrize(
    ("limit", "name", "lines"),
    [
        (11, "Accept-Language", ["zz", "ru"]),
        (12, "Accept-Language", ["ru", "zz"]),
        (13, "Accept", ["text/html", "text/csv"]),
        (14, "Accept", ["text/csv", "*/*"]),
    ],
)
def test_repeated_headers_through_the_proxy_cache_never_reach_another_client(
    stack: tuple[httpx.Client, str], limit: int, name: str, lines: list[str]
) -> None:
    """The proxy's cache key and the app read a repeated header alike, so what a client
    repeating it gets filed under is what a client sending that one value would get."""
    proxy, app = stack
    url = f"/v1/members?fields=id,name&limit={limit}"  # a URL of its own: nothing cached yet
    proxy.get(url, headers=[(name, line) for line in lines])
    for headers in ({}, {name: lines[0]}, {name: lines[1]}):
        for _ in range(2):  # a miss that fills the cache, then a hit
            through = proxy.get(url, headers=headers)
            direct = httpx.get(app + url, headers=headers, trust_env=False)
            assert through.status_code == direct.status_code, headers
            assert _comparable(through) == _comparable(direct), headers
            assert through.headers.get("content-language") == direct.headers.get("content-language")


def test_proxy_redirects_to_the_public_url(stack: tuple[httpx.Client, str]) -> None:
    proxy, app = stack
    response = proxy.get("/v1/members/KZ/", headers={"Host": "evil.example"})
    assert response.status_code == 307
    assert response.headers["location"] == app + "/v1/members/KZ"


def test_proxy_passes_every_request_with_a_key_to_the_app(proxy: httpx.Client) -> None:
    """The app checks a key and counts its quota: a cached copy must never answer it (a
    made-up key gets the app's 401, not the cached 200), nor be stored."""
    cached = [proxy.get("/v1/observers") for _ in range(2)]
    assert _status(cached[1]) == "HIT"
    keyed = proxy.get("/v1/observers", headers={"Authorization": "Bearer cica_" + "0" * 12 + "_x"})
    assert (keyed.status_code, _status(keyed)) == (401, "BYPASS")
    assert _status(proxy.get("/v1/observers")) == "HIT"
