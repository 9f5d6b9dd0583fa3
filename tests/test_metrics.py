"""`/metrics`: Prometheus text with requests by route template, latency, cache, dataset and
pool state, counted for every way a request is answered (fast path, FastAPI, cache hit,
304, preflight, 500), and the settings that turn it off or move it to a port of its own."""

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine
from starlette.routing import Mount

from app.core.config import Settings
from app.core.metrics import (
    BUCKETS,
    UNMATCHED,
    RequestMetrics,
    RouteTemplates,
    start_metrics_server,
    stop_metrics_server,
)
from tests.support.apps import app_on

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    """Every sample of a scrape, keyed on (name, labels); parsing fails on invalid text."""
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def requests_total(scrape: Samples, route: str, method: str, status: int) -> float:
    key = frozenset({("route", route), ("method", method), ("status", str(status))})
    return scrape.get(("cica_http_requests_total", key), 0.0)


def value(scrape: Samples, name: str, **labels: str) -> float:
    return scrape[(name, frozenset(labels.items()))]


@pytest.fixture
def client(seeded_engine: Engine) -> Iterator[TestClient]:
    """An app of its own, so the counts below start at zero."""
    with TestClient(
        app_on(seeded_engine, metrics_on_api_port=True),
        base_url="http://api.test",
        raise_server_exceptions=False,
    ) as test_client:
        yield test_client


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["cache-control"] == "no-store"
    return samples(response.text)


def test_requests_are_counted_by_route_template_method_and_status(client: TestClient) -> None:
    client.get("/v1/members")  # fast path
    client.get("/v1/members/KZ")
    client.get("/v1/members/CN")
    client.get("/v1/members/XX")  # 404 on the same route
    client.head("/v1/members/KZ")
    client.get("/v1/exports")  # FastAPI's routing
    client.get("/healthz")
    scraped = scrape(client)
    assert requests_total(scraped, "/v1/members", "GET", 200) == 1
    assert requests_total(scraped, "/v1/members/{member_id}", "GET", 200) == 2
    assert requests_total(scraped, "/v1/members/{member_id}", "GET", 404) == 1
    assert requests_total(scraped, "/v1/members/{member_id}", "HEAD", 200) == 1
    assert requests_total(scraped, "/v1/exports", "GET", 200) == 1
    assert requests_total(scraped, "/healthz", "GET", 200) == 1
    raw_paths = [labels for (_, labels) in scraped if ("route", "/v1/members/KZ") in labels]
    assert raw_paths == []


def test_unknown_paths_and_methods_share_one_series(client: TestClient) -> None:
    for n in range(30):
        client.get(f"/no-such-route-{n}")
        client.get(f"/v1/members/{n}/deeper")
        client.request(f"BREW{n}", "/v1/members")
    scraped = scrape(client)
    assert requests_total(scraped, UNMATCHED, "GET", 404) == 60
    others = {
        dict(labels)["status"]: count
        for (name, labels), count in scraped.items()
        if name == "cica_http_requests_total" and ("method", "other") in labels
    }
    assert sum(others.values()) == 30 and len(others) == 1
    routes = {
        dict(labels)["route"] for (name, labels) in scraped if name == "cica_http_requests_total"
    }
    assert len(routes) <= 3, routes


def test_latency_histogram_counts_every_request_in_cumulative_buckets(client: TestClient) -> None:
    for _ in range(5):
        client.get("/v1/members?limit=3")
    scraped = scrape(client)
    labels = {"route": "/v1/members", "method": "GET"}
    count = value(scraped, "cica_http_request_duration_seconds_count", **labels)
    assert count == 5
    buckets = [
        value(scraped, "cica_http_request_duration_seconds_bucket", **labels, le=str(bound))
        for bound in BUCKETS
    ]
    assert buckets == sorted(buckets)
    assert value(scraped, "cica_http_request_duration_seconds_bucket", **labels, le="+Inf") == 5
    total = value(scraped, "cica_http_request_duration_seconds_sum", **labels)
    assert 0 < total < 5 * 10


def test_request_metrics_bucket_edges() -> None:
    metrics = RequestMetrics()
    metrics.observe("/r", "GET", 200, BUCKETS[0])  # on the bound: in that bucket (le)
    metrics.observe("/r", "GET", 200, BUCKETS[0] * 1.01)
    metrics.observe("/r", "GET", 200, 1000.0)  # past every bound: +Inf only
    series = metrics.durations[("/r", "GET")]
    assert series[0] == 1 and series[1] == 1 and series[len(BUCKETS)] == 1
    assert series[-1] == pytest.approx(BUCKETS[0] * 2.01 + 1000.0)
    assert metrics.requests == {("/r", "GET", 200): 3}


def test_cache_hits_misses_and_304s(client: TestClient) -> None:
    before = scrape(client)
    first = client.get("/v1/members/KZ?lang=ru")
    client.get("/v1/members/KZ?lang=ru")
    revalidated = client.get(
        "/v1/members/KZ?lang=ru", headers={"If-None-Match": first.headers["etag"]}
    )
    assert revalidated.status_code == 304
    after = scrape(client)
    assert value(after, "cica_cache_misses_total") - value(before, "cica_cache_misses_total") == 1
    assert value(after, "cica_cache_hits_total") - value(before, "cica_cache_hits_total") == 2
    assert requests_total(after, "/v1/members/{member_id}", "GET", 304) == 1
    assert value(after, "cica_cache_entries") >= 1
    assert 0 < value(after, "cica_cache_bytes") <= value(after, "cica_cache_max_bytes")


def test_no_cache_metrics_without_a_cache(seeded_engine: Engine) -> None:
    with TestClient(
        app_on(seeded_engine, cache_max_bytes=0, metrics_on_api_port=True),
        base_url="http://api.test",
    ) as c:
        c.get("/v1/members")
        scraped = scrape(c)
    assert not [name for (name, _) in scraped if name.startswith("cica_cache_")]
    assert requests_total(scraped, "/v1/members", "GET", 200) == 1


def test_dataset_version_and_snapshot_gauges_match_readiness(client: TestClient) -> None:
    ready = client.get("/readyz").json()["snapshot"]
    scraped = scrape(client)
    assert value(scraped, "cica_dataset_version") == ready["dataset_version"]
    assert value(scraped, "cica_snapshot_records") == ready["records"]
    assert value(scraped, "cica_snapshot_loaded") == 1
    assert value(scraped, "cica_dataset_refresh_failing") == 0
    assert value(scraped, "cica_snapshot_swaps_total") >= 1
    assert 0 <= value(scraped, "cica_snapshot_age_seconds") < 60
    assert value(scraped, "cica_snapshot_build_seconds") * 1000 == pytest.approx(
        ready["build_ms"], abs=0.1
    )
    assert value(scraped, "cica_dataset_last_modified_timestamp_seconds") > 1.5e9


def test_pool_state_is_read_at_scrape_time(client: TestClient, seeded_engine: Engine) -> None:
    idle = scrape(client)
    with seeded_engine.connect():
        held = scrape(client)
    assert value(held, "cica_db_pool_checked_out") == value(idle, "cica_db_pool_checked_out") + 1
    assert value(held, "cica_db_pool_size") == seeded_engine.pool.size()  # type: ignore[attr-defined]
    assert ("cica_db_pool_overflow", frozenset()) in held
    assert ("cica_db_pool_checked_in", frozenset()) in held


def test_preflights_and_unhandled_errors_are_counted(seeded_engine: Engine) -> None:
    app = app_on(seeded_engine, metrics_on_api_port=True)

    @app.get("/boom/{part}", include_in_schema=False)
    async def boom(part: str) -> None:
        raise RuntimeError("boom")

    with TestClient(app, base_url="http://api.test", raise_server_exceptions=False) as c:
        preflight = c.options(
            "/v1/members",
            headers={"Origin": "https://x.example", "Access-Control-Request-Method": "GET"},
        )
        assert preflight.status_code == 204
        failed = c.get("/boom/now")
        assert failed.status_code == 500
        scraped = scrape(c)
    assert requests_total(scraped, "/v1/members", "OPTIONS", 204) == 1
    assert requests_total(scraped, "/boom/{part}", "GET", 500) == 1


def test_the_standard_process_metrics_are_there(client: TestClient) -> None:
    scraped = scrape(client)
    names = {name for (name, _) in scraped}
    assert {"process_cpu_seconds_total", "python_info", "cica_build_info"} <= names


def test_metrics_on_the_api_port_are_never_sent_with_cors(client: TestClient) -> None:
    response = client.get("/metrics", headers={"Origin": "https://page.example"})
    assert response.status_code == 200
    assert not [h for h in response.headers if h.startswith("access-control-")]
    preflight = client.options(
        "/metrics",
        headers={"Origin": "https://page.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_odd_statuses_fold_into_one_series() -> None:
    metrics = RequestMetrics()
    for status in (299, 418, 451, 599, 200):
        metrics.observe("/healthz", "GET", status, 0.001)
    assert metrics.requests == {("/healthz", "GET", 0): 4, ("/healthz", "GET", 200): 1}


def test_openmetrics_is_answered_when_asked_for(client: TestClient) -> None:
    response = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")


def test_metrics_off_is_a_404_problem(seeded_engine: Engine) -> None:
    with TestClient(app_on(seeded_engine, metrics=False), base_url="http://api.test") as c:
        response = c.get("/metrics")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_metrics_are_on_a_loopback_port_of_their_own_by_default(seeded_engine: Engine) -> None:
    assert Settings.model_fields["metrics_on_api_port"].default is False
    assert Settings.model_fields["metrics_host"].default == "127.0.0.1"
    assert Settings.model_fields["metrics_port"].default > 0
    app = app_on(seeded_engine, metrics_port=0)
    with TestClient(app, base_url="http://api.test") as c:
        c.get("/v1/members/KZ")
        on_api_port = c.get("/metrics", headers={"Origin": "https://page.example"})
        assert on_api_port.status_code == 404
        assert "access-control-allow-origin" not in on_api_port.headers
        port = app.state.metrics.bound_port
        assert port
        response = httpx.get(
            f"http://127.0.0.1:{port}/metrics",
            headers={"Origin": "https://page.example"},
            trust_env=False,
        )
        assert response.status_code == 200
        assert not [h for h in response.headers if h.startswith("access-control-")]
        scraped = samples(response.text)
        assert requests_total(scraped, "/v1/members/{member_id}", "GET", 200) == 1
    with pytest.raises(httpx.TransportError):  # stopped with the app
        httpx.get(f"http://127.0.0.1:{port}/metrics", trust_env=False, timeout=2)


def test_each_worker_takes_the_next_free_metrics_port() -> None:
    from prometheus_client import CollectorRegistry

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        server, thread = start_metrics_server(CollectorRegistry(), "127.0.0.1", busy)
        try:
            assert busy < server.server_port < busy + 64
        finally:
            stop_metrics_server(server, thread)


def test_route_templates_cover_included_routers_mounts_and_deeper_parameters() -> None:
    from fastapi import APIRouter

    app = FastAPI()
    inner = APIRouter(prefix="/things")

    @inner.get("/{thing_id}")
    async def thing(thing_id: str) -> None: ...

    @inner.get("/{thing_id}/parts/{part}")
    async def part(thing_id: str, part: str) -> None: ...

    outer = APIRouter(prefix="/v9")
    outer.include_router(inner)
    app.include_router(outer)
    app.router.routes.append(Mount("/static", app=FastAPI()))
    templates = RouteTemplates(lambda: app.router.routes)
    assert templates("/v9/things/a") == "/v9/things/{thing_id}"
    assert templates("/v9/things/a/parts/b") == "/v9/things/{thing_id}/parts/{part}"
    assert templates("/static/css/site.css") == "/static/{path}"
    assert templates("/openapi.json") == "/openapi.json"
    assert templates("/v9/things/") == UNMATCHED
    assert templates("/v9/elsewhere/a") == UNMATCHED

    @app.get("/added-later")
    async def later() -> None: ...

    assert templates("/added-later") == "/added-later"


def test_every_metric_and_setting_is_in_the_operations_guide(client: TestClient) -> None:
    readme = (Path(__file__).resolve().parents[1] / "docs" / "operations.md").read_text(
        encoding="utf-8"
    )
    client.get("/v1/members")
    families = text_string_to_metric_families(client.get("/metrics").text)
    names = [
        family.name + ("_total" if family.type == "counter" else "")
        for family in families
        if family.name.startswith("cica_")
    ]
    assert len(names) >= 20
    assert [name for name in names if f"`{name}`" not in readme] == []
    settings = [f"`CICA_{field.upper()}`" for field in Settings.model_fields]
    assert [name for name in settings if name not in readme] == []
